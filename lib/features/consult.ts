import type { CountryCode } from 'libphonenumber-js';
import { isRefusal } from '../callback/engine/funds';
import { within } from '../callback/engine/latch';
import type { Talk } from '../callback/engine/flow';
import type { LegOutcome } from '../callback/engine/leg-waiter';
import type { LiveLeg } from '../callback/engine/live-leg';
import { toE164, type E164 } from '../domain/phone-number';
import type { ExecuteResult } from '../esl/call-session';
import { CallEnded } from '../esl/errors';
import { isHangupCause } from '../esl/hangup-causes';
import { FeatureLeg } from './feature-leg';
import { talkApi } from './talk-api';
import type { FeatureContext, FeatureHandler } from './handlers';

/** FreeSWITCH's att_xfer acts on this key itself: it hangs up C and A goes back to B. */
const CANCEL_KEY = '#';
/** Ours during a consultation: C, B and A all end. */
const END_ALL_KEY = '*';
/**
 * att_xfer's other keys are moved to DTMF letters phones do not have: its hangup key (default
 * `*`) would make A leave and connect B with C, which is not what `*` means here, and its
 * three-way key (default `0`) is D6's business.
 */
const ATT_XFER_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['attxfer_cancel_key', CANCEL_KEY],
  ['attxfer_hangup_key', 'A'],
  ['attxfer_conf_key', 'B'],
];

/** One consultation at a time per talk. */
export interface ConsultationState {
  active: boolean;
}

/**
 * D1 `##N#`: B on hold (music from the `consultHoldMusic` setting, or silence), C dialed and
 * connected to A; `#` drops C and A is back with B; `*` ends the talk with everyone; A hanging
 * up leaves B and C talking (the request waits in `transferred`, both legs billed and settled);
 * C busy, unanswered or hanging up brings A back to B.
 *
 * FreeSWITCH does the media part: `att_xfer <C's dial string>` executed on A while A's bridge to
 * B runs without event-lock (capture 12d2): A–C bridged with B held; when C ends, att_xfer puts
 * A and B back together with a `uuid_bridge`; when A leaves with C up, it connects C and B. C is
 * a feature leg (feature-leg.ts): its row, price and hold exist before it rings; a try of C that
 * fails with a route cause is followed by an att_xfer to the next carrier.
 */
export class Consult implements FeatureHandler {
  async exec(ctx: FeatureContext, signal: AbortSignal): Promise<void> {
    const { talk, consultation } = ctx;
    if (consultation.active) {
      talk.log.info('a consultation is running; ##N# ignored');
      return;
    }
    const number = numberOf(ctx.args[0] ?? '', talk.ctx.settings.defaultCountry as CountryCode);
    if (number === undefined) {
      talk.log.info('##N#: not a phone number', { digits: ctx.args[0] });
      await tellA(talk, talk.ctx.prompts.destinationNotAllowed);
      return;
    }
    consultation.active = true;
    try {
      await consult(ctx, number, signal);
    } finally {
      consultation.active = false;
    }
  }
}

async function consult(ctx: FeatureContext, number: E164, signal: AbortSignal): Promise<void> {
  const { talk, settings } = ctx;
  const session = talk.session;
  if (!session || signal.aborted) return;
  const c = await FeatureLeg.open(talk, number);
  if (isRefusal(c)) {
    await tellA(talk, c.refused === 'insufficient_funds' ? talk.ctx.prompts.insufficientFunds : talk.ctx.prompts.destinationNotAllowed);
    return;
  }
  const a = talk.legA;
  const b = talk.legB;
  let cAnswered = false;
  // If A leaves while C is up, FreeSWITCH connects B and C: the request must let them talk on.
  talk.setHandover(() => cAnswered && c.leg.isUp);
  for (const [name, value] of ATT_XFER_KEYS) await talkApi(talk, `uuid_setvar ${a.uuid} ${name} ${value}`);
  if (settings.consultHoldMusic) await talkApi(talk, `uuid_broadcast ${b.uuid} ${settings.consultHoldMusic} aleg`);
  talk.log.info('consulting a third party', { number, legUuid: c.uuid });

  // The att_xfer of the current try of C: it returns when the consultation (or that try) is over; undefined: A is gone.
  let xfer: Promise<ExecuteResult | undefined> = Promise.resolve(undefined);
  const tryC = (): Promise<LegOutcome | undefined> => {
    const { leg } = c;
    xfer = session.execute('att_xfer', c.dialString()).catch((error: unknown) => {
      if (error instanceof CallEnded) return undefined;
      throw error;
    });
    const answered = leg.signals.answered.promise.then((): LegOutcome => {
      cAnswered = true;
      return { kind: 'answered', session: undefined };
    });
    return Promise.race([answered, xfer.then((end) => end && unansweredEnd(talk, leg, end))]);
  };
  const endAll = async (): Promise<void> => {
    talk.log.info('* during a consultation: ending the call with everyone');
    await talkApi(talk, `uuid_kill ${c.uuid} ${cAnswered ? 'NORMAL_CLEARING' : 'ORIGINATOR_CANCEL'}`);
    await c.leg.signals.hangup.promise;
    // att_xfer puts A back with B first; A's hangup then ends the talk the ordinary way.
    await xfer;
    await talkApi(talk, `uuid_kill ${a.uuid} NORMAL_CLEARING`);
  };
  // Key presses and the abort listener cannot await: their commands must never reject unhandled.
  const fireAndLog = (command: string): void => {
    talkApi(talk, command).catch((error: unknown) => talk.log.warn('consultation command failed', { command: command.split(' ', 1)[0], error: String(error) }));
  };
  const release = ctx.claimDigits((digit) => {
    if (digit === END_ALL_KEY) talk.ctx.work.track(endAll().catch((error: unknown) => talk.log.error('ending the consultation failed', { error: String(error) })));
    // Answered, att_xfer's own cancel key does it; still ringing, C is cancelled here.
    else if (digit === CANCEL_KEY) {
      if (!cAnswered) fireAndLog(`uuid_kill ${c.uuid} ORIGINATOR_CANCEL`);
    }
    // bridge_filter_dtmf keeps A's keys from C as from B: C's IVR gets them from us.
    else fireAndLog(`uuid_send_dtmf ${c.uuid} ${digit}`);
    return true;
  });

  // The talk ended under the consultation (B left, the C6 stop, a cancel) with A still here: C goes
  // first, so that att_xfer returns and A can be hung up (a hangup waits for an event-locked app).
  const onEnded = (): void => {
    if (a.isUp && c.leg.isUp) fireAndLog(`uuid_kill ${c.uuid} ${cAnswered ? 'NORMAL_CLEARING' : 'ORIGINATOR_CANCEL'}`);
  };
  signal.addEventListener('abort', onEnded, { once: true });

  try {
    await c.dial(tryC);
    const end = await xfer;
    if (end && a.isUp) {
      talk.setHandover(undefined);
      if (settings.consultHoldMusic && b.isUp) await talkApi(talk, `uuid_break ${b.uuid} all`);
      talk.log.info('consultation over; A is back with B', { cAnswered });
    }
  } finally {
    signal.removeEventListener('abort', onEnded);
    release();
  }
}

/**
 * att_xfer returned before C answered: why its originate failed (A's `originate_disposition`,
 * also when no channel of C was ever made, e.g. a gateway down), else C's own hangup cause, else
 * a temporary failure.
 */
async function unansweredEnd(talk: Talk, leg: LiveLeg, xfer: ExecuteResult): Promise<LegOutcome> {
  const disposition = xfer.event.headers.get('variable_originate_disposition');
  const cause = disposition !== undefined && isHangupCause(disposition) ? disposition : await within(talk.ctx.clock, leg.signals.hangup.promise, talk.ctx.hangupCompleteWaitMs);
  return { kind: 'failed', cause: cause ?? 'NORMAL_TEMPORARY_FAILURE', orphan: false };
}

async function tellA(talk: Talk, prompt: string): Promise<void> {
  await talk.legA.control.playDuringTalk(talk.ctx.promptFile(prompt, talk.ctx.settings.language));
}

function numberOf(digits: string, country: CountryCode): E164 | undefined {
  try {
    return toE164(digits, country);
  } catch {
    return undefined;
  }
}
