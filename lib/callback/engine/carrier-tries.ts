import { randomUUID } from 'node:crypto';
import type { HangupCause } from '../../esl/hangup-causes';
import { sentCallerId } from '../../routing/carrier-dial';
import type { CarrierDial } from '../../routing/leg-router';
import type { EngineContext } from './context';
import type { LegTry, TryOwner } from './flow';
import type { LegOutcome } from './leg-waiter';
import { LiveLeg, type LegSpec } from './live-leg';

/**
 * A leg's carrier tries (issue #17), the same for the request's legs A and B (request-runner.ts)
 * and a feature's leg C (lib/features/feature-leg.ts): each try its own leg row with its
 * carrier, cause and the caller ID that carrier sent; the leg's hold follows the try.
 */

/** A try's row before its carrier is known: what every try of one leg shares, and its own uuid. */
export type TrySpec = Omit<LegSpec, 'carrierSlot' | 'carrierId'>;

/**
 * Tries a leg through its carriers: `dialOnce` dials one try and says how it went (undefined:
 * the call went away meanwhile, nothing to report). A try that failed with a route cause, without
 * a channel that may still be up, is followed by the owner's next try; a subscriber's answer
 * (busy, no answer) or the last carrier's failure is the leg's.
 */
export async function throughCarriers(
  owner: TryOwner,
  first: LegTry,
  dialOnce: (attempt: LegTry, via: CarrierDial) => Promise<LegOutcome | undefined>,
): Promise<{ readonly attempt: LegTry; readonly outcome: LegOutcome } | undefined> {
  for (let attempt = first; ; ) {
    const outcome: LegOutcome | undefined = attempt.via ? await dialOnce(attempt, attempt.via) : { kind: 'failed', cause: attempt.tries.noCarrierCause, orphan: false };
    if (!outcome) return undefined;
    if (outcome.kind === 'answered' || outcome.orphan) return { attempt, outcome };
    attempt.via?.slot.release();
    const next = await owner.nextTry(attempt, outcome.cause);
    if (!next) return { attempt, outcome };
    attempt = next;
  }
}

/** Writes a try's row: `spec.callerId` is the one the request's rules chose, the row records the one the try's carrier sends. */
export function openCarrierTry(ctx: EngineContext, requestId: string, spec: TrySpec, via: CarrierDial | undefined): Promise<LiveLeg> {
  const callerId = via ? sentCallerId(via.callerId) : spec.callerId;
  return LiveLeg.open(ctx, requestId, { ...spec, callerId, carrierId: via?.carrier.id ?? null, carrierSlot: via?.slot });
}

/**
 * A try failed with `cause` before answering. If the cause is a route cause and another carrier
 * has room, its try is opened with `open` (its own row), the hold moved to it first, so that a
 * recovery finds it there. Undefined: the leg fails with `cause`. The failed try is left for the
 * owner to settle, after this, since its hold is no longer its own.
 */
export async function openNextTry(ctx: EngineContext, failed: LegTry, cause: HangupCause, open: (spec: TrySpec, via: CarrierDial) => Promise<LiveLeg>): Promise<LegTry | undefined> {
  const { leg, tries } = failed;
  if (!tries.failsOver(cause)) return undefined;
  const via = await tries.next();
  if (!via) return undefined;
  leg.failureCause ??= cause;
  leg.log.info('carrier try failed; trying the next carrier', { role: leg.role, cause, carrier: failed.via?.carrier.name, next: via.carrier.name });
  // The hold stays the leg's, whichever try carries it: the failed try was never up, so it costs nothing.
  const uuid = randomUUID();
  const hold = leg.hold && { ...leg.hold, legUuid: uuid };
  if (leg.hold) {
    const { reservationId } = leg.hold;
    await ctx.untilWritten(`move hold ${reservationId} to leg ${uuid}`, () => ctx.store.reservations.moveToLeg(reservationId, uuid));
  }
  await leg.replaceHold(undefined);
  const next = await open({ uuid, role: leg.role, attempt: leg.attempt, number: leg.number, callerId: leg.callerId, pricing: leg.pricing, hold }, via);
  return { leg: next, via, tries };
}
