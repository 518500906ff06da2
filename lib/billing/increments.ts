import { ceilDiv, exactNumber, wholeNonNegative } from './exact-integers';
import { exactTerms, type ExactTerms, type RatingTerms } from './rating-terms';

/**
 * Seconds that are charged for a leg that lasted `billsec` (B1, B2: counted from the leg's own
 * answer time).
 *
 * - 0 s (never answered) is 0: an unanswered leg is free, the minimum does not apply.
 * - Otherwise the minimum duration applies first: max(billsec, minimum).
 * - That is rounded up to whole increments: the first block is `first` seconds, every further
 *   block `next` seconds (60/60, 30/6, 1/1). Rounding is always up, in the operator's favour,
 *   as carriers bill the operator that way.
 */
export function billableSecondsExact(terms: ExactTerms, billsec: bigint): bigint {
  if (billsec === 0n) return 0n;
  const charged = billsec > terms.minimum ? billsec : terms.minimum;
  if (charged <= terms.first) return terms.first;
  return terms.first + ceilDiv(charged - terms.first, terms.next) * terms.next;
}

export function billableSeconds(terms: RatingTerms, billsecSeconds: number): number {
  const billsec = wholeNonNegative(billsecSeconds, 'billsec (seconds)');
  return exactNumber(billableSecondsExact(exactTerms(terms), billsec), 'billable seconds');
}
