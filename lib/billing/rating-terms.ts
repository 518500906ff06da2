import type { Rate } from '../store/tariffs-rates';
import { wholeNonNegative } from './exact-integers';

/**
 * What rating needs from a rate. A subset of the store's `Rate`, so in-memory tariffs and CSV
 * rows that have no id yet can be rated too.
 */
export type RatingTerms = Pick<Rate, 'ratePerMinute' | 'connectionFeeMinor' | 'incrementFirstSeconds' | 'incrementNextSeconds' | 'minimumSeconds'>;

/**
 * `ratePerMinute` is in micro-units, 1/10000 of the minor unit, so that 0.0125 per minute is the
 * whole number 12500. Same value as the store's constant; kept here so the pure core imports no
 * store code at run time (a test pins the two together).
 */
export const MICRO_UNITS_PER_MINOR = 10_000;

/** Micro-units in one minor unit, times seconds per minute: the divisor of every duration cost. */
export const MICRO_SECOND_UNITS_PER_MINOR = BigInt(MICRO_UNITS_PER_MINOR) * 60n;

/** Validated terms as BigInt; increments are at least 1. */
export interface ExactTerms {
  readonly ratePerMinute: bigint;
  readonly connectionFee: bigint;
  readonly first: bigint;
  readonly next: bigint;
  readonly minimum: bigint;
}

/**
 * Refuses (RangeError) anything that is not a whole non-negative number, so a corrupt rate can
 * never produce a negative or fractional charge. An increment of 0 means "per second" (1): a
 * block of zero seconds would never end.
 */
export function exactTerms(terms: RatingTerms): ExactTerms {
  const atLeastOne = (value: bigint): bigint => (value === 0n ? 1n : value);
  return {
    ratePerMinute: wholeNonNegative(terms.ratePerMinute, 'ratePerMinute (micro-units per minute)'),
    connectionFee: wholeNonNegative(terms.connectionFeeMinor, 'connectionFeeMinor'),
    first: atLeastOne(wholeNonNegative(terms.incrementFirstSeconds, 'incrementFirstSeconds')),
    next: atLeastOne(wholeNonNegative(terms.incrementNextSeconds, 'incrementNextSeconds')),
    minimum: wholeNonNegative(terms.minimumSeconds, 'minimumSeconds'),
  };
}

/** Only the terms of a rate (a stored sell or buy rate carries more), as recorded beside a CDR. */
export function ratingTermsOf(rate: RatingTerms): RatingTerms {
  const { ratePerMinute, connectionFeeMinor, incrementFirstSeconds, incrementNextSeconds, minimumSeconds } = rate;
  return { ratePerMinute, connectionFeeMinor, incrementFirstSeconds, incrementNextSeconds, minimumSeconds };
}
