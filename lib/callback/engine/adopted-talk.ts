import type { HangupCause } from '../../esl/hangup-causes';
import type { Logger } from '../../log/logger';
import type { CallbackRequest } from '../../store/callback-requests';
import type { Leg } from '../../store/legs';
import { HANDED_OVER, type StopMode } from './clean-stop';
import type { EngineContext } from './context';
import { within } from './latch';
import type { LiveLeg } from './live-leg';
import { legExists } from './leg-probe';

/**
 * The legs of a talk that outlived its controller: leg A and leg B of the same attempt, both
 * still known to FreeSWITCH, both rows `bridged`. The engine writes that only once the switch
 * connected them (the bridge application saw B answer, or uuid_bridge succeeded), right before it
 * hands the talk limit to the switch; two legs merely up (A ringing while B waits, or both
 * answered but never joined) are not a talk, and are hung up. Undefined when there is no such talk.
 */
export function survivingTalk<L extends { readonly uuid: string }>(rows: readonly Leg[], alive: readonly L[]): L[] | undefined {
  const up = new Set(alive.map((leg) => leg.uuid));
  const talking = (row: Leg): boolean => row.state === 'bridged' && up.has(row.uuid);
  for (const b of rows) {
    if (b.role !== 'B' || !talking(b)) continue;
    const a = rows.find((row) => row.role === 'A' && row.attempt === b.attempt && talking(row));
    if (!a) continue;
    return alive.filter((leg) => leg.uuid === a.uuid || leg.uuid === b.uuid);
  }
  return undefined;
}

/**
 * Follows an adopted talk until a party hangs up, then settles both legs (settleLeg books each
 * once, by its unique CDR row). Ends come from the inbound event stream (CHANNEL_HANGUP_COMPLETE
 * of each uuid); a leg is also asked about every `hangupCompleteWaitMs`, in case its end was
 * lost while a connection was down. When one leg ends the other is hung up, as its controller
 * would have done. The lease is kept meanwhile; if it is lost (the request was cancelled, or
 * this instance stalled and another took it over), the talk is ended.
 */
export async function followAdoptedTalk(
  ctx: EngineContext,
  request: CallbackRequest,
  legs: readonly LiveLeg[],
  log: Logger,
  stopping: Promise<StopMode>,
): Promise<AdoptedTalkEnd> {
  const hangupAll = (): Promise<unknown> => Promise.all(legs.map((leg) => leg.control.hangup('NORMAL_CLEARING')));
  const lease = ctx.leases.watch(request.id, () => {
    log.warn('lost the lease on an adopted talk; ending it');
    void hangupAll();
  });
  try {
    await holdCarrierChannels(ctx, legs);
    await markTalking(ctx, request);
    const first = await Promise.race([...legs.map((leg) => untilEnded(ctx, leg).then(() => leg)), stopping]);
    if (first === 'hand_over') {
      // A clean stop of this instance: the talk goes on for the next one, as it came to us.
      for (const leg of legs) leg.forget();
      const handed = await ctx.store.callbackRequests.handOver(request.id, ctx.instanceId, ctx.clock.now(), HANDED_OVER).catch(() => false);
      log.info('adopted talk handed over to the next instance', { handed });
      return { handedOver: true, cause: undefined };
    }
    await hangupAll();
    await Promise.all(legs.map((leg) => untilEnded(ctx, leg)));
    const settled = await Promise.all(legs.map((leg) => leg.settle()));
    log.info('adopted talk ended and settled', { costMinor: settled.map((s) => s.costMinor) });
    const end = first === 'end' ? undefined : first.signals.ended.value;
    return { handedOver: false, cause: end?.reported ? end.cause : undefined };
  } finally {
    lease.stop();
  }
}

/** How following an adopted talk ended: handed over again by a clean stop, or ended (`cause`: of the leg that ended first, as FreeSWITCH reported it). */
export interface AdoptedTalkEnd {
  readonly handedOver: boolean;
  readonly cause: HangupCause | undefined;
}

/**
 * The talk's legs take up channels on their carriers: counted again here, since the controller
 * that counted them is gone (its leases lapse) or stopped (its leases lapse too, a while after
 * this count: the talk is counted twice until then, never not at all).
 */
async function holdCarrierChannels(ctx: EngineContext, legs: readonly LiveLeg[]): Promise<void> {
  for (const leg of legs) {
    const carrier = leg.carrierId === null ? null : await ctx.store.carriers.get(leg.carrierId);
    if (carrier) leg.keepChannel(ctx.carrierLimits.hold(carrier));
  }
}

/** The talk is on: a row the dead instance left in dialing_b or b_answered says so now (both may go to bridged). */
async function markTalking(ctx: EngineContext, request: CallbackRequest): Promise<void> {
  if (request.state !== 'dialing_b' && request.state !== 'b_answered') return;
  const moved = await ctx.store.callbackRequests.transition(request.id, request.state, 'bridged', {}, { expectedVersion: request.version });
  if (moved) {
    ctx.events.emit('request', { requestId: request.id, accountId: request.accountId, from: request.state, to: 'bridged', event: 'recovered', cause: null, at: ctx.clock.now() });
  }
}

/** Resolves once the leg's end was reported, or FreeSWITCH no longer knows it (then it is estimated). */
async function untilEnded(ctx: EngineContext, leg: LiveLeg): Promise<void> {
  while (!leg.gone) {
    if (await within(ctx.clock, leg.signals.ended.promise, ctx.hangupCompleteWaitMs)) return;
    let alive = true;
    try {
      alive = await legExists(ctx, leg);
    } catch {
      // FreeSWITCH cannot be asked right now: keep waiting for its word.
    }
    if (!alive) {
      leg.markGone(ctx.clock.now());
      return;
    }
  }
}
