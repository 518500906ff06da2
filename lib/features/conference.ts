import type { CountryCode } from 'libphonenumber-js';
import type { Talk } from '../callback/engine/flow';
import { isRefusal } from '../callback/engine/funds';
import { ApiControl } from '../callback/engine/leg-control';
import type { LegOutcome } from '../callback/engine/leg-waiter';
import type { LiveLeg } from '../callback/engine/live-leg';
import { InvalidPhoneNumber, toE164 } from '../domain/phone-number';
import type { EslEvent } from '../esl/wire';
import { FeatureLeg } from './feature-leg';
import type { FeatureContext, FeatureHandler } from './handlers';
import { talkApi } from './talk-api';

/** How long A's socket may take to report the end of its bridge once B left it. */
const UNBRIDGE_WAIT_MS = 2_000;

/**
 * D6 `*3<number>#`: the talk becomes a conference of A, B and a third party C (at most three:
 * one per talk, and codes stop once the talk is a conference).
 *
 * 1. C is a feature leg (own row, price, hold, CDR): refused numbers are audited and nothing changes.
 * 2. C is originated parked while A and B talk on, through its carriers (a route cause tries the
 *    next one); busy or no answer: it is settled unanswered and A and B never noticed.
 * 3. C answered: the request moves to `conference`, then B is transferred into the room (which
 *    ends A's bridge but not A's socket, 12c2), A joins it from its socket, C is transferred in.
 * 4. Members leave by hanging up; each is settled as it leaves. The last two talk on; a lone
 *    member is hung up; when all are gone the request is told (`conference_ended`).
 */
export class ThreeWayConference implements FeatureHandler {
  async exec({ talk, args, settings, conference }: FeatureContext): Promise<void> {
    if (conference.started) {
      talk.log.info('a third party is being added already; *3 ignored');
      return;
    }
    conference.started = true;
    const number = await thirdPartyNumber(talk, args[0] ?? '');
    const opened = await FeatureLeg.open(talk, number);
    // Refused or unanswered: nothing changed for A and B, and A may try another number.
    if (isRefusal(opened)) {
      conference.started = false;
      return;
    }
    const c = opened;
    const { answered } = await c.dial(() => dialParked(talk, c));
    if (!answered) {
      talk.log.info('third party did not answer; A and B talk on', { legC: c.uuid, cause: c.leg.signals.hangup.value });
      conference.started = false;
      return;
    }
    await talk.send({ type: 'conference_started' });
    if ((await talk.ctx.store.callbackRequests.findById(talk.request.id))?.state !== 'conference') {
      // The talk ended before C could join: C goes too (the runner settles it with the request).
      await hangup(talk, c.leg);
      return;
    }
    const room = `cb-${talk.request.id}@${settings.conferenceProfile}`;
    talk.log.info('three-way conference', { room, legC: c.uuid });
    const members = [talk.legA, talk.legB, c.leg];
    const left = followMembers(talk, members);
    await join(talk, room, c.leg);
    await left;
    await talk.send({ type: 'conference_ended' });
  }
}

/** The digits A typed, as E.164 in the account's country; left as typed when they are not a number (the leg refuses it). */
async function thirdPartyNumber(talk: Talk, digits: string): Promise<string> {
  const account = await talk.ctx.store.accounts.findById(talk.request.accountId);
  const country = (account?.country ?? talk.ctx.settings.defaultCountry) as CountryCode;
  try {
    return toE164(digits, country);
  } catch (error) {
    if (error instanceof InvalidPhoneNumber) return digits;
    throw error;
  }
}

/** One try of C: `bgapi originate … &park()` on A's node, answered when the originate says `+OK` (as a parked leg B). */
function dialParked(talk: Talk, c: FeatureLeg): Promise<LegOutcome> {
  const { ctx } = talk;
  const { leg } = c;
  const originate = ctx.telephony.originate(c.originateRequest(), { node: leg.node });
  // The waiter takes the failure; here only the node that took the leg matters.
  void originate.then((result) => (leg.node = result.node), () => undefined);
  return ctx.waiter.parkedLeg(originate, leg.signals, ctx.settings.waitTimeSeconds * 1000);
}

/** B into the room (freeing A's socket from its bridge), A from its socket, then C. */
async function join(talk: Talk, room: string, c: LiveLeg): Promise<void> {
  const { session, legB } = talk;
  const unbridged = session ? bridgeEnded(talk) : Promise.resolve();
  await transfer(talk, legB, room);
  await unbridged;
  // Without event-lock: a hangup for A (a lone member) must not wait for the conference to end.
  if (session) void session.conference(room, { eventLock: false }).catch((error: unknown) => talk.log.debug('A left the conference', { error: String(error) }));
  await transfer(talk, c, room);
}

async function transfer(talk: Talk, leg: LiveLeg, room: string): Promise<void> {
  if (!leg.isUp) return;
  if (leg.control instanceof ApiControl) await leg.control.transferInline([['conference', room]]);
  else talk.log.error('leg is not controlled through the API; cannot move it into the conference', { leg: leg.uuid });
}

/** Resolves when A's socket reports its bridge is over (or after a short wait, if that never comes). */
function bridgeEnded(talk: Talk): Promise<void> {
  const session = talk.session;
  if (!session) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      off();
      timer.cancel();
      resolve();
    };
    const off = session.on('event', (event: EslEvent) => {
      if (event.name === 'CHANNEL_UNBRIDGE' || (event.name === 'CHANNEL_EXECUTE_COMPLETE' && event.headers.get('Application') === 'bridge')) done();
    });
    const timer = talk.ctx.clock.setTimeout(done, UNBRIDGE_WAIT_MS);
  });
}

/**
 * Settles each member as it hangs up (A and B here; C's own follow does C), ends the last one
 * when it is left alone, and resolves when every member is gone.
 */
function followMembers(talk: Talk, members: readonly LiveLeg[]): Promise<void> {
  for (const leg of members) {
    void leg.signals.hangup.promise.then(() => {
      if (leg.role !== 'C') talk.ctx.work.track(leg.settle());
      const remaining = members.filter((m) => m.isUp);
      if (remaining.length === 1) {
        const lone = remaining[0] as LiveLeg;
        talk.log.info('lone conference member ended', { role: lone.role, leg: lone.uuid });
        talk.ctx.work.track(hangup(talk, lone));
      }
    });
  }
  return Promise.all(members.map((leg) => leg.signals.hangup.promise)).then(() => undefined);
}

/** `uuid_kill`: the same for a socket leg in a conference as for the others; gone already is fine. */
async function hangup(talk: Talk, leg: LiveLeg): Promise<void> {
  await talkApi(talk, `uuid_kill ${leg.uuid} NORMAL_CLEARING`, leg.node);
}
