import type { E164 } from '../../domain/phone-number';
import { callLogger, type Logger } from '../../log/logger';
import type { CallbackRequest } from '../../store/callback-requests';
import type { FreeswitchCdr } from '../../store/freeswitch-cdrs';
import type { Leg } from '../../store/legs';
import type { TakenOverLease } from '../../store/request-claims';
import { reservationOwner, type Reservation } from '../../store/reservations';
import { CALL_IN_PROGRESS_STATES, canTransition, isFinalState, isRequestState, type RequestState } from '../state/request-state';
import { followAdoptedTalk, survivingTalk } from './adopted-talk';
import { HANDED_OVER, STOPPED_DURING_SETUP, type StopMode } from './clean-stop';
import type { EngineContext } from './context';
import { Funds, isRefusal, type Hold, type LegPricing } from './funds';
import { isGoneSibling } from './instance-id';
import { legExists } from './leg-probe';
import { LiveLeg } from './live-leg';
import { reportedLegEnd } from './reported-leg-end';
import { requestData } from './request-data';
import { reportedCauseOf } from './settled-cause';

/** last_cause of a request whose controller died mid-call (same word as the scheduler's default). */
export const CONTROLLER_LOST = 'CONTROLLER_LOST';

/** What became of a recovered request. */
export interface Recovery {
  /** `adopted`: a talk outlived its controller and is followed until a party hangs up. */
  readonly outcome: 'finished' | 'requeued' | 'adopted';
  /** Resolves once the request reached its final state (at once unless adopted). */
  readonly done: Promise<void>;
}

/**
 * O5: a request whose instance died mid-call, now leased to us by the sweep, reconciled with
 * FreeSWITCH (`uuid_exists` on each leg's node):
 * - nothing was dialed yet for its attempt (the leg row is written before the originate): it
 *   waits again, due now, and the next claim dials it once;
 * - A and B are both up and were bridged: the talk outlived its controller (a bridge survives
 *   it, capture 08b). It is NOT cut: its legs are adopted and followed through the inbound event
 *   stream until a party hangs up, then rated, settled and the request completed. The talk limit
 *   still holds: the switch has B's `sched_hangup` since the talk began (TalkTimers);
 * - anything else (a leg still ringing, A in an IVR whose state died with the controller): what
 *   is still up is hung up, since no instance can carry the flow on. Every leg without an end
 *   is settled (from FreeSWITCH's report when the channel was still there, or from its CDR when
 *   it posted one already, else estimated up to when the dead instance's lease ran out, `lost`,
 *   marked so in the CDR, for its CDR to correct later); holds left behind are
 *   released; the request ends: completed if the parties talked, otherwise failed.
 * A probe that cannot reach FreeSWITCH throws, so the sweep gives the lease up and retries,
 * rather than taking a live talk for gone.
 */
export async function recoverRequest(
  ctx: EngineContext,
  request: CallbackRequest,
  lost: TakenOverLease | undefined,
  stopping: Promise<StopMode>,
): Promise<Recovery> {
  const log = callLogger(ctx.logger, { requestId: request.id });
  const allLegs = await ctx.store.legs.listForRequest(request.id);
  if (!allLegs.some((leg) => leg.attempt === request.attempts) && (await requeueUndialed(ctx, request, allLegs, log))) {
    return { outcome: 'requeued', done: Promise.resolve() };
  }
  const rows = allLegs.filter((leg) => leg.endedAt === null);
  const funds = new Funds(ctx);
  const held = await ctx.store.reservations.listHeld({ requestId: request.id });
  const goneBy = lastWatched(ctx, request, lost);
  // Watched before probing, so that an end reported between the probe and now is not missed.
  const legs: LiveLeg[] = [];
  for (const row of rows) {
    const reservation = held.find((hold) => hold.legUuid === row.uuid);
    legs.push(LiveLeg.adopt(ctx, row, { pricing: await pricingOf(funds, request, row), hold: reservation && holdOf(reservation), gone: false, goneBy }));
  }
  let alive: boolean[];
  try {
    alive = await Promise.all(legs.map((leg) => legExists(ctx, leg)));
  } catch (error) {
    for (const leg of legs) ctx.hub.forget(leg.uuid);
    throw error;
  }
  // A gone leg whose CDR FreeSWITCH already posted is settled from it, not from an estimate.
  const reported = await Promise.all(legs.map((leg, index) => (alive[index] ? null : ctx.store.freeswitchCdrs.findByLegUuid(leg.uuid))));
  legs.forEach((leg, index) => {
    const cdr = reported[index];
    if (cdr) leg.endReported(reportedLegEnd(cdr));
    else if (!alive[index]) leg.markGone(goneBy);
  });
  const settle = (leg: LiveLeg): Promise<unknown> => settleRecovered(ctx, leg, reported[legs.indexOf(leg)] ?? null);
  const strays = held.filter((reservation) => reservation.legUuid === null || !rows.some((row) => row.uuid === reservation.legUuid));

  const talk = survivingTalk(rows, legs.filter((_, index) => alive[index]));
  const handedOver = request.lastCause === HANDED_OVER;
  if (talk) {
    if (handedOver) log.info('adopting a talk a clean stop handed over; following it until a party hangs up', { legs: legs.map((leg) => leg.uuid) });
    else log.warn('a talk outlived its controller; following it until a party hangs up', { legs: legs.map((leg) => leg.uuid) });
    const done = followAdoptedTalk(ctx, request, talk, log, stopping).then(async (end) => {
      if (end.handedOver) return;
      await Promise.all(legs.filter((leg) => !talk.includes(leg)).map(settle));
      await releaseAll(ctx, strays);
      // The talk ended as FreeSWITCH reported it (#16.4): the request ends with that cause, whoever adopted it.
      await finish(ctx, request, log, legs.length, true, end.cause);
    });
    return { outcome: 'adopted', done };
  }

  await Promise.all(
    legs.map(async (leg, index) => {
      if (alive[index]) await leg.control.hangup('NORMAL_CLEARING');
      await settle(leg);
    }),
  );
  await releaseAll(ctx, strays);
  const talked = requestData(request.data).talked;
  // A call a clean stop handed over before it reached its talk: ended here, reported as such. A
  // talk that ended with nobody to see it, whose every leg FreeSWITCH's CDRs settled, ends with its real cause.
  const cause = handedOver ? STOPPED_DURING_SETUP : alive.some(Boolean) ? CONTROLLER_LOST : await causeOfSettledTalk(ctx, request.id, talked);
  await finish(ctx, request, log, legs.length, talked, cause);
  return { outcome: 'finished', done: Promise.resolve() };
}

/**
 * #16.4: a CDR settled a leg of a request nobody is calling for any more (its lease ran out, or
 * it was held by a process of this host that is gone, e.g. killed and restarted); once every leg
 * of its current attempt is settled there is nothing left to follow, so the request is final at
 * once, not when the dead lease runs out, and with the cause FreeSWITCH reported. A request
 * claimed by this instance is left to its runner or follower; one of a controller presumed alive
 * (another host, lease running) to that controller or its lease.
 */
export async function finishIfEveryLegSettled(ctx: EngineContext, requestId: string, isRunning: (pid: number) => boolean): Promise<void> {
  const request = await ctx.store.callbackRequests.findById(requestId);
  if (!request || !(CALL_IN_PROGRESS_STATES as readonly string[]).includes(request.state)) return;
  const claimant = request.claimedBy;
  const leaseOut = request.leaseUntil === null || request.leaseUntil < ctx.clock.now();
  if (claimant === ctx.instanceId || (claimant !== null && !leaseOut && !isGoneSibling(claimant, ctx.instanceId, isRunning))) return;
  const legs = await ctx.store.legs.listForRequest(requestId);
  if (!legs.some((leg) => leg.attempt === request.attempts) || legs.some((leg) => leg.endedAt === null)) return;
  const log = callLogger(ctx.logger, { requestId });
  // Every leg is settled: a hold still there is one of a leg never dialed.
  await releaseAll(ctx, await ctx.store.reservations.listHeld({ requestId }));
  const talked = requestData(request.data).talked;
  // A call a clean stop handed over before its talk is reported as such, as its recovery would.
  const cause = !talked && request.lastCause === HANDED_OVER ? STOPPED_DURING_SETUP : await causeOfSettledTalk(ctx, requestId, talked);
  await finish(ctx, request, log, legs.length, talked, cause);
}

/** The cause FreeSWITCH reported for a talk whose legs its CDRs settled; CONTROLLER_LOST for a call set-up that died with its controller, or an estimate. */
async function causeOfSettledTalk(ctx: EngineContext, requestId: string, talked: boolean): Promise<string> {
  if (!talked) return CONTROLLER_LOST;
  return reportedCauseOf(await ctx.store.cdrs.listForRequest(requestId)) ?? CONTROLLER_LOST;
}

/**
 * The last instant the dead instance watched the request's calls: when its lease ran out (the
 * sweep's claim says; the row already holds the new lease), never later than now. What ended
 * unseen is estimated as ended by then at the latest.
 */
function lastWatched(ctx: EngineContext, request: CallbackRequest, lost: TakenOverLease | undefined): number {
  const now = ctx.clock.now();
  const ranOutAt = lost ? lost.ranOutAt : request.leaseUntil;
  return Math.min(now, ranOutAt ?? now);
}

/** Settles a recovered leg; one settled from FreeSWITCH's stored CDR marks that CDR reconciled (unless its receiver did). */
async function settleRecovered(ctx: EngineContext, leg: LiveLeg, cdr: FreeswitchCdr | null): Promise<void> {
  const settled = await leg.settle();
  if (cdr && settled.written) await ctx.store.freeswitchCdrs.markReconciled(leg.uuid, 'settled', { state: settled.state, costMinor: settled.costMinor });
}

/**
 * The request was claimed but its attempt never dialed (no leg row): it waits again, due now,
 * with the attempt uncounted, so that it is still dialed exactly once. Holds made for its legs
 * (the admission's, or an order's written with its row, written-order.ts) are released: no leg
 * row names them, and the next attempt holds anew.
 */
async function requeueUndialed(ctx: EngineContext, request: CallbackRequest, legs: readonly Leg[], log: Logger): Promise<boolean> {
  const from = request.state;
  if (from !== 'dialing_a' && from !== 'dialing_both') return false;
  // While the recovery holds the request: once it waits again, another instance may claim it and hold for its legs.
  const held = await ctx.store.reservations.listHeld({ requestId: request.id });
  await releaseAll(ctx, held.filter((reservation) => !legs.some((leg) => leg.uuid === reservation.legUuid)));
  const dueAt = ctx.clock.now();
  const moved = await ctx.store.callbackRequests.transition(
    request.id,
    from,
    'retry_scheduled',
    { dueAt, attempts: Math.max(0, request.attempts - 1), lastCause: CONTROLLER_LOST, release: true },
    { expectedVersion: request.version },
  );
  if (!moved) return false;
  log.warn('request lost its controller before dialing; queued again', { from });
  ctx.events.emit('request', { requestId: request.id, accountId: request.accountId, from, to: 'retry_scheduled', event: 'recovered', cause: CONTROLLER_LOST, at: dueAt });
  await ctx.scheduler.schedule(request.id, dueAt);
  return true;
}

async function releaseAll(ctx: EngineContext, reservations: readonly Reservation[]): Promise<void> {
  for (const reservation of reservations) await ctx.store.reservations.release(reservation.id);
}

async function finish(ctx: EngineContext, request: CallbackRequest, log: Logger, legCount: number, talked: boolean, cause: string = CONTROLLER_LOST): Promise<void> {
  // An adopted talk may have moved the row on (to bridged) since it was read.
  const current = (await ctx.store.callbackRequests.findById(request.id)) ?? request;
  const from = current.state;
  if (isRequestState(from) && isFinalState(from)) {
    log.warn('recovered request had already ended', { state: from, legs: legCount });
    return;
  }
  const to = finalStateAfterLoss(isRequestState(from) ? from : undefined, talked);
  const moved = await ctx.store.callbackRequests.transition(request.id, from, to, { lastCause: cause, release: true }, { expectedVersion: current.version });
  log.warn(cause === CONTROLLER_LOST ? 'request recovered after its controller was lost' : 'request handed over by a clean stop ended', { from, to, legs: legCount, moved, cause });
  if (moved && isRequestState(from)) {
    ctx.events.emit('request', { requestId: request.id, accountId: request.accountId, from, to, event: 'recovered', cause, at: ctx.clock.now() });
  }
}

function finalStateAfterLoss(from: RequestState | undefined, talked: boolean): RequestState {
  if (from === undefined) return 'failed';
  if (talked && canTransition(from, 'completed')) return 'completed';
  return canTransition(from, 'failed') ? 'failed' : 'cancelled';
}

export async function pricingOf(funds: Funds, request: CallbackRequest, leg: Leg): Promise<LegPricing | undefined> {
  const pricing = leg.role === 'A' ? await funds.priceLegA(request) : await funds.priceLegB(request, leg.number as E164);
  return isRefusal(pricing) ? undefined : pricing;
}

export function holdOf(reservation: Reservation): Hold {
  return { legUuid: reservation.legUuid ?? '', reservationId: reservation.id, ...reservationOwner(reservation), amount: reservation.amountMinor };
}
