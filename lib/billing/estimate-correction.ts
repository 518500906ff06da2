import { rateLeg } from './rating';
import type { RatingTerms } from './rating-terms';

/**
 * B4: a leg settled from an estimate (its end never reached a controller), corrected to the billsec
 * FreeSWITCH's CDR reports, at the rate the estimate was rated with. Pure; the engine books it.
 */
export interface EstimateCorrectionInput {
  /** The terms the estimate was rated with; undefined when the leg was recorded at no cost (unpriced). */
  readonly terms: RatingTerms | undefined;
  readonly estimatedBillsec: number;
  /** What the estimate was booked at (its billsec rated with `terms`). */
  readonly estimatedCostMinor: number;
  readonly reportedBillsec: number;
  /**
   * What the payer actually paid for the estimate: a card pays at most what it had, so this may
   * be less than its share of the estimated cost. Undefined: its share in full (an account).
   */
  readonly paidMinor?: number;
  /** A6: leg A ran on the operator for these seconds before the identified payer took it over. */
  readonly operatorSeconds?: number;
}

export interface EstimateCorrection {
  readonly estimatedCostMinor: number;
  readonly correctedCostMinor: number;
  /** To move on the payer's balance: positive is charged, negative refunded. */
  readonly payerDeltaMinor: number;
  /** To move on the operator's account (A6 takeover only): positive is charged, negative refunded. */
  readonly operatorDeltaMinor: number;
}

/**
 * - The corrected cost is the CDR's billsec rated exactly as the estimate was (same terms, same
 *   increments and rounding), so a correction never mixes two tariffs.
 * - The payer is charged the difference when the estimate was too low, and refunded when it was
 *   too high, but never more than it paid beyond the corrected cost: a card that could not pay
 *   the whole estimate gets back only money it gave.
 * - A6: the operator's part (the seconds before the takeover, at most the whole cost) is
 *   re-rated too; the payer's part is the rest.
 */
export function correctEstimate(input: EstimateCorrectionInput): EstimateCorrection {
  const cost = (billsec: number): number => (input.terms ? rateLeg(input.terms, billsec).costMinor : 0);
  const operatorPart = (billsec: number, total: number): number =>
    input.operatorSeconds === undefined || !input.terms ? 0 : Math.min(total, rateLeg(input.terms, Math.min(billsec, input.operatorSeconds)).costMinor);
  const { estimatedCostMinor } = input;
  const correctedCostMinor = cost(input.reportedBillsec);
  const estimatedOperator = operatorPart(input.estimatedBillsec, estimatedCostMinor);
  const correctedOperator = operatorPart(input.reportedBillsec, correctedCostMinor);
  const estimatedShare = estimatedCostMinor - estimatedOperator;
  const correctedShare = correctedCostMinor - correctedOperator;
  const paid = Math.min(input.paidMinor ?? estimatedShare, estimatedShare);
  const refund = Math.max(0, paid - correctedShare);
  const payerDeltaMinor = correctedShare > estimatedShare ? correctedShare - estimatedShare : refund > 0 ? -refund : 0;
  return { estimatedCostMinor, correctedCostMinor, payerDeltaMinor, operatorDeltaMinor: correctedOperator - estimatedOperator };
}
