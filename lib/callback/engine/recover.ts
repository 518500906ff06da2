import type { E164 } from '../../domain/phone-number';
import { callLogger } from '../../log/logger';
import type { CallbackRequest } from '../../store/callback-requests';
import type { Leg } from '../../store/legs';
import { reservationOwner, type Reservation } from '../../store/reservations';
import { canTransition, isRequestState, type RequestState } from '../state/request-state';
import type { EngineContext } from './context';
import { Funds, isRefusal, type Hold, type LegPricing } from './funds';
import { LiveLeg } from './live-leg';
import { requestData } from './request-data';

/** last_cause of a request whose controller died mid-call (same word as the scheduler's default). */
export const CONTROLLER_LOST = 'CONTROLLER_LOST';

/**
 * O5: a request whose instance died mid-call, now leased to us by the sweep. No controller
 * enforced its limit since (a bridged call survives its controller, 08b), so what is still up
 * is hung up; every leg without an end is settled (from FreeSWITCH's report when the channel was
 * still there, else estimated up to when the dead instance's lease ran out, marked so in the
 * CDR); holds left behind are released; the request ends: completed if the parties talked,
 * otherwise failed.
 */
export async function recoverRequest(ctx: EngineContext, request: CallbackRequest): Promise<void> {
  const log = callLogger(ctx.logger, { requestId: request.id });
  const funds = new Funds(ctx);
  const legs = (await ctx.store.legs.listForRequest(request.id)).filter((leg) => leg.endedAt === null);
  const held = await ctx.store.reservations.listHeld({ requestId: request.id });
  const goneBy = Math.min(ctx.clock.now(), request.leaseUntil ?? ctx.clock.now());
  const settled: Array<Promise<unknown>> = [];
  for (const row of legs) {
    const alive = await exists(ctx, row);
    const reservation = held.find((hold) => hold.legUuid === row.uuid);
    const leg = LiveLeg.adopt(ctx, row, { pricing: await pricingOf(funds, request, row), hold: reservation && holdOf(reservation), gone: !alive, goneBy });
    if (alive) await leg.control.hangup('NORMAL_CLEARING');
    settled.push(leg.settle());
  }
  await Promise.all(settled);
  const legUuids = new Set(legs.map((leg) => leg.uuid));
  for (const reservation of held) if (reservation.legUuid === null || !legUuids.has(reservation.legUuid)) await ctx.store.reservations.release(reservation.id);

  const from = request.state;
  const to = finalStateAfterLoss(isRequestState(from) ? from : undefined, requestData(request.data).talked);
  const moved = await ctx.store.callbackRequests.transition(request.id, from, to, { lastCause: CONTROLLER_LOST, release: true }, { expectedVersion: request.version });
  log.warn('request recovered after its controller was lost', { from, to, legs: legs.length, moved });
  if (moved && isRequestState(from)) {
    ctx.events.emit('request', { requestId: request.id, accountId: request.accountId, from, to, event: 'recovered', cause: CONTROLLER_LOST, at: ctx.clock.now() });
  }
}

function finalStateAfterLoss(from: RequestState | undefined, talked: boolean): RequestState {
  if (from === undefined) return 'failed';
  if (talked && canTransition(from, 'completed')) return 'completed';
  return canTransition(from, 'failed') ? 'failed' : 'cancelled';
}

async function exists(ctx: EngineContext, leg: Leg): Promise<boolean> {
  try {
    return (await ctx.telephony.api(leg.node ?? undefined, `uuid_exists ${leg.uuid}`)).trim() === 'true';
  } catch {
    return false;
  }
}

export async function pricingOf(funds: Funds, request: CallbackRequest, leg: Leg): Promise<LegPricing | undefined> {
  const pricing = leg.role === 'A' ? await funds.priceLegA(request) : await funds.priceLegB(request, leg.number as E164);
  return isRefusal(pricing) ? undefined : pricing;
}

export function holdOf(reservation: Reservation): Hold {
  return { legUuid: reservation.legUuid ?? '', reservationId: reservation.id, ...reservationOwner(reservation), amount: reservation.amountMinor };
}
