import { exactNumber, minBig, wholeNonNegative } from './exact-integers';
import { billableSecondsExact } from './increments';
import { legCostExact } from './rating';
import { exactTerms, MICRO_SECOND_UNITS_PER_MINOR, type ExactTerms, type RatingTerms } from './rating-terms';

/**
 * How long a call may last before its cost would pass the funds available for it (C6, B3).
 * "Available" is balance + credit limit − what concurrent calls hold, passed in as one number.
 * When it is negative (already overrun, e.g. a lowered credit limit) not even a free call is
 * allowed: the account must be topped up first.
 *
 * The result 0 means the caller must not connect: not even the connection fee plus the first
 * increment is affordable. Every result is exact: rating the returned duration costs at most
 * what is available, and one second more (unless the cap cut it short) costs more.
 */

/** A call with a free rate still ends: four hours unless configured otherwise. */
export const DEFAULT_CAP_SECONDS = 4 * 60 * 60;

interface LimitOptions {
  availableMinor: number;
  /**
   * Upper bound applied to every result (default DEFAULT_CAP_SECONDS). `null` removes it; then a
   * free rate gives 'unlimited'.
   */
  capSeconds?: number | null;
}

export interface MaxCallInput extends LimitOptions {
  rate: RatingTerms;
}

export interface TwoLegInput extends LimitOptions {
  /** Rate of leg A (the subscriber called back), which is already answered and running. */
  rateA: RatingTerms;
  /** Rate of leg B (the destination); the talk starts when B answers. */
  rateB: RatingTerms;
  /**
   * Leg A's billsec when the talk starts: its head start over leg B. Leg A keeps running while B
   * rings, so before dialing B pass A's billsec now plus B's ring timeout, which over-estimates
   * A's cost and keeps the limit safe; recompute with the true value when B answers.
   */
  aAlreadyAnsweredSeconds: number;
}

type Limit = bigint | 'unlimited';

function availableOf(availableMinor: number): bigint {
  if (!Number.isSafeInteger(availableMinor)) {
    throw new RangeError(`availableMinor must be a whole number of minor units, got ${String(availableMinor)}`);
  }
  return BigInt(availableMinor);
}

function capOf(capSeconds: number | null | undefined): bigint | null {
  if (capSeconds === null) return null;
  return wholeNonNegative(capSeconds ?? DEFAULT_CAP_SECONDS, 'capSeconds');
}

function applyCap(limit: Limit, cap: bigint | null): number | 'unlimited' {
  if (cap === null) return limit === 'unlimited' ? limit : exactNumber(limit, 'maximum call seconds');
  return Number(limit === 'unlimited' ? cap : minBig(limit, cap));
}

/**
 * Closed form, exact. The cost is fee + ⌈billable·rate / 600000⌉ and ⌈x⌉ ≤ U ⇔ x ≤ U for a whole
 * U, so the largest affordable billable duration is ⌊U·600000 / rate⌋ with U = available − fee.
 * That floor is not a rounding of money: it is the exact bound on whole seconds. Billable
 * durations only take block-boundary values, and a call lasting exactly a boundary is billed
 * that boundary, so the answer is the last boundary within the bound.
 */
function singleLegLimit(terms: ExactTerms, available: bigint): Limit {
  if (available < terms.connectionFee) return 0n;
  if (terms.ratePerMinute === 0n) return 'unlimited';
  const maxBillable = ((available - terms.connectionFee) * MICRO_SECOND_UNITS_PER_MINOR) / terms.ratePerMinute;
  if (maxBillable < billableSecondsExact(terms, 1n)) return 0n;
  return terms.first + ((maxBillable - terms.first) / terms.next) * terms.next;
}

export function maxCallSeconds(input: MaxCallInput & { capSeconds?: number }): number;
export function maxCallSeconds(input: MaxCallInput): number | 'unlimited';
export function maxCallSeconds(input: MaxCallInput): number | 'unlimited' {
  const cap = capOf(input.capSeconds);
  return applyCap(singleLegLimit(exactTerms(input.rate), availableOf(input.availableMinor)), cap);
}

/**
 * Both legs billed at once, from the same funds: the talk may last t seconds where
 * cost_A(head start + t) + cost_B(t) ≤ available. `availableMinor` must not have leg A's cost
 * taken off already. When leg A is charged to someone else (the operator, A6), use
 * maxCallSeconds for leg B alone.
 *
 * The sum is a non-decreasing step function of t, so a binary search over whole seconds finds
 * the exact answer; a leg with a non-zero rate bounds the search by its own single-leg limit.
 */
function twoLegLimit(a: ExactTerms, b: ExactTerms, headStart: bigint, available: bigint, cap: bigint | null): Limit {
  const cost = (talk: bigint): bigint => legCostExact(a, headStart + talk) + legCostExact(b, talk);
  if (cost(1n) > available) return 0n;
  let high: bigint | null = cap;
  if (b.ratePerMinute > 0n) high = minOrFirst(high, singleLegLimit(b, available));
  if (a.ratePerMinute > 0n) {
    const limitA = singleLegLimit(a, available);
    if (limitA !== 'unlimited') high = minOrFirst(high, limitA > headStart ? limitA - headStart : 0n);
  }
  if (high === null) return 'unlimited';
  if (high < 1n) return 0n;
  let low = 1n;
  while (low < high) {
    const middle: bigint = (low + high + 1n) / 2n;
    if (cost(middle) <= available) low = middle;
    else high = middle - 1n;
  }
  return low;
}

function minOrFirst(current: bigint | null, limit: Limit): bigint | null {
  if (limit === 'unlimited') return current;
  return current === null ? limit : minBig(current, limit);
}

export function maxTalkSecondsForTwoLegs(input: TwoLegInput & { capSeconds?: number }): number;
export function maxTalkSecondsForTwoLegs(input: TwoLegInput): number | 'unlimited';
export function maxTalkSecondsForTwoLegs(input: TwoLegInput): number | 'unlimited' {
  const cap = capOf(input.capSeconds);
  const headStart = wholeNonNegative(input.aAlreadyAnsweredSeconds, 'aAlreadyAnsweredSeconds');
  const limit = twoLegLimit(exactTerms(input.rateA), exactTerms(input.rateB), headStart, availableOf(input.availableMinor), cap);
  return applyCap(limit, cap);
}
