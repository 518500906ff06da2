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
 * ended while no controller listened. The leg is adopted from its row, as recovery adopts it, and
 * settled from that end: priced, its own hold charged or released, exactly once (settleLeg).
 * Undefined when the leg or its request is unknown. The last leg of a request nobody calls for
 * any more makes it final (finishIfEveryLegSettled).
 */
export async function settleReportedEnd(ctx: EngineContext, legUuid: string, end: LegEnd): Promise<ReportedSettlement | undefined> {
  const row = await ctx.store.legs.findByUuid(legUuid);
  const request = row && (await ctx.store.callbackRequests.findById(row.requestId));
  if (!row || !request) return undefined;
  const reservation = (await ctx.store.reservations.listHeld({ requestId: request.id })).find((hold) => hold.legUuid === legUuid);
  const pricing = await pricingOf(new Funds(ctx), request, row);
  const leg = LiveLeg.adopt(ctx, row, { pricing, hold: reservation && holdOf(reservation), gone: false, goneBy: end.endedAt, end });
  const settled = await leg.settle();
  if (settled.written) await finishIfEveryLegSettled(ctx, request.id, processRuns);
  return { ...settled, requestId: request.id };
}

