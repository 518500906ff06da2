import type { EngineContext } from './context';
import { Funds } from './funds';
import type { LegEnd } from './leg-events';
import { LiveLeg } from './live-leg';
import { processRuns } from './instance-id';
import { finishIfEveryLegSettled, holdOf, pricingOf } from './recover';
import type { Settlement } from './settlement';

export interface ReportedSettlement extends Settlement {
  readonly requestId: string;
}

/**
 * B4: FreeSWITCH reported a leg's end outside our event stream (its CDR), e.g. because the leg
 * ended while no controller listened. A leg this process holds live is handed the end and settles
 * it as it settles any end; only a leg nobody holds here (another process's, or one from before
 * a restart) is adopted from its row, as recovery adopts it. Either way the leg is settled once:
 * priced, its own hold charged or released (settleLeg). Undefined when the leg or its request is
 * unknown. The last leg of a request nobody calls for any more makes it final
 * (finishIfEveryLegSettled).
 */
export async function settleReportedEnd(ctx: EngineContext, legUuid: string, end: LegEnd): Promise<ReportedSettlement | undefined> {
  const held = ctx.liveLegs.held(legUuid);
  if (held) return settledFrom(held, end);
  const row = await ctx.store.legs.findByUuid(legUuid);
  const request = row && (await ctx.store.callbackRequests.findById(row.requestId));
  if (!row || !request) return undefined;
  const reservation = (await ctx.store.reservations.listHeld({ requestId: request.id })).find((hold) => hold.legUuid === legUuid);
  const pricing = await pricingOf(new Funds(ctx), request, row);
  // Held here meanwhile (another report of the same leg adopted it while this one read): that leg settles it.
  const heldMeanwhile = ctx.liveLegs.held(legUuid);
  if (heldMeanwhile) return settledFrom(heldMeanwhile, end);
  const leg = LiveLeg.adopt(ctx, row, { pricing, hold: reservation && holdOf(reservation), gone: false, goneBy: end.endedAt });
  const settled = await settledFrom(leg, end);
  if (settled.written) await finishIfEveryLegSettled(ctx, request.id, processRuns);
  return settled;
}

/**
 * The leg's settlement once it is handed `end`. `written` only when this end is the one it
 * settled from: its own end (its event, an estimate, an earlier report) may have come first, and
 * then the caller learns the state and cost the leg was settled with, not a second rating.
 */
async function settledFrom(leg: LiveLeg, end: LegEnd): Promise<ReportedSettlement> {
  leg.endReported(end);
  const settled = await leg.settle();
  return { ...settled, written: settled.written && leg.signals.ended.value === end, requestId: leg.requestId };
}
