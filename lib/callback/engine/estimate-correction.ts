import { correctEstimate, type RatingTerms } from '../../billing';
import { minorUnits } from '../../domain/money';
import { inTransaction, type BillingAdjustment, type Cdr, type JsonObject, type ReservationOwner } from '../../store';
import { retryOnDeadlock } from '../../store/sql-errors';
import { legOutcomeForCause } from '../state/leg-state';
import { carrierCostOf } from './carrier-cost';
import type { EngineContext } from './context';
import { Funds } from './funds';
import type { LegEnd } from './leg-events';
import { pricingOf } from './recover';

export interface EstimateCorrected {
  readonly requestId: string | null;
  /** Null: the leg was corrected before (by a repeated or racing CDR); nothing moved now. */
  readonly adjustment: BillingAdjustment | null;
}

/**
 * B4: FreeSWITCH's CDR of a leg we settled from an estimate (its end never reached a controller,
 * recover.ts). The leg is re-rated from the CDR's billsec at the terms the estimate was rated
 * with, the difference is charged or refunded to whoever paid (a card only from what it has),
 * and the CDR and leg rows take FreeSWITCH's figures; the adjustment row, the money, the rows
 * and the CDR's reconciliation (`corrected`, with `reconciliation` as its details) are one
 * transaction. The adjustment is unique per leg, so a repeated or racing CDR moves nothing.
 * Undefined when the leg has no estimated settlement.
 */
export async function correctEstimatedLeg(ctx: EngineContext, legUuid: string, end: LegEnd, reconciliation: JsonObject): Promise<EstimateCorrected | undefined> {
  const ours = await ctx.store.cdrs.findByLegUuid(legUuid);
  if (!ours?.raw || ours.raw.reported !== false) return undefined;
  const raw = ours.raw;
  const operatorSeconds = numberOf(raw.operatorSeconds);
  const paid = await ctx.store.reservations.findSettledForLeg(legUuid);
  const correction = correctEstimate({
    terms: await termsOf(ctx, ours),
    estimatedBillsec: ours.billsec,
    estimatedCostMinor: ours.costMinor,
    reportedBillsec: end.billsec,
    paidMinor: paid?.settledMinor ?? undefined,
    operatorSeconds,
  });
  // A correction may charge the payer only what the leg's hold has left (issue #15); the rest is recorded for the operator.
  const room = paid ? Math.max(0, paid.amountMinor - (paid.settledMinor ?? 0)) : undefined;
  const payerDelta = room !== undefined && correction.payerDeltaMinor > room ? room : correction.payerDeltaMinor;
  const operatorAccountId = numberOf(raw.operatorAccountId);
  const answeredAt = end.answeredAt ?? (end.billsec > 0 ? ours.answeredAt : null);
  const state = legOutcomeForCause(end.cause, answeredAt !== null || end.billsec > 0);
  const estimate = { billsec: ours.billsec, hangupCause: ours.hangupCause, endedAt: ours.endedAt, costMinor: ours.costMinor };
  return ctx.untilWritten(`correct leg ${legUuid}`, () =>
    retryOnDeadlock(() =>
      inTransaction(
        ctx.db,
        async (tx) => {
          const adjustment = await tx.billingAdjustments.book({
            legUuid,
            requestId: ours.requestId,
            payer: payerOf(ours),
            reason: 'estimate_corrected',
            estimatedBillsec: ours.billsec,
            correctedBillsec: end.billsec,
            estimatedCostMinor: ours.costMinor,
            correctedCostMinor: minorUnits(correction.correctedCostMinor),
            amountMinor: minorUnits(payerDelta),
            operator: operatorAccountId === undefined ? null : { accountId: operatorAccountId, amountMinor: minorUnits(correction.operatorDeltaMinor) },
          });
          if (!adjustment) return { requestId: ours.requestId, adjustment: null };
          if (paid && payerDelta < correction.payerDeltaMinor) {
            await tx.billingDiscrepancies.record({
              legUuid,
              requestId: ours.requestId,
              payer: payerOf(ours),
              kind: 'over_hold',
              source: 'correction',
              billsec: end.billsec,
              holdMinor: paid.amountMinor,
              ratedCostMinor: minorUnits(correction.correctedCostMinor),
              chargedMinor: minorUnits((paid.settledMinor ?? 0) + adjustment.amountMinor),
              excessMinor: minorUnits(correction.payerDeltaMinor - payerDelta),
            });
          }
          const costMinor = minorUnits(correction.correctedCostMinor);
          // The carrier's side follows the same billsec at the buy terms it was rated with.
          const carrier = isTerms(raw.carrierTerms) ? { carrierCostMinor: carrierCostOf(raw.carrierTerms, end.billsec) } : {};
          await tx.cdrs.correct(legUuid, { answeredAt, endedAt: end.endedAt, billsec: end.billsec, hangupCause: end.cause, costMinor, ...carrier, raw: { ...raw, reported: true, estimate } });
          await tx.legs.update(legUuid, { state, answeredAt, endedAt: end.endedAt, billsec: end.billsec, hangupCause: end.cause, costMinor, ...carrier });
          await tx.freeswitchCdrs.markReconciled(legUuid, 'corrected', {
            ...reconciliation,
            adjustment: { id: adjustment.id, amountMinor: adjustment.amountMinor, operatorAmountMinor: adjustment.operatorAmountMinor, estimatedCostMinor: adjustment.estimatedCostMinor, correctedCostMinor: adjustment.correctedCostMinor },
          });
          return { requestId: ours.requestId, adjustment };
        },
        () => ctx.clock.now(),
      ),
    ),
  );
}

/** The terms the estimate was rated with: recorded with it (settlement.ts), else priced again the same way; none for a leg booked at no cost. */
async function termsOf(ctx: EngineContext, cdr: Cdr): Promise<RatingTerms | undefined> {
  const raw = cdr.raw ?? {};
  if (raw.ratePerMinute === null || raw.ratePerMinute === undefined) return undefined;
  if (isTerms(raw.terms)) return raw.terms;
  const [leg, request] = await Promise.all([ctx.store.legs.findByUuid(cdr.legUuid), cdr.requestId ? ctx.store.callbackRequests.findById(cdr.requestId) : null]);
  return leg && request ? (await pricingOf(new Funds(ctx), request, leg))?.rate : undefined;
}

/** Who paid the estimate (settlement.ts writes it into the CDR): a card, or the CDR's account. */
function payerOf(cdr: Cdr): ReservationOwner | null {
  const cardId = numberOf(cdr.raw?.cardId);
  if (cdr.raw?.payer === 'card' && cardId !== undefined) return { cardId };
  return cdr.accountId === null ? null : { accountId: cdr.accountId };
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function isTerms(value: unknown): value is RatingTerms {
  if (typeof value !== 'object' || value === null) return false;
  const terms = value as Record<string, unknown>;
  return ['ratePerMinute', 'connectionFeeMinor', 'incrementFirstSeconds', 'incrementNextSeconds', 'minimumSeconds'].every((key) => numberOf(terms[key]) !== undefined);
}
