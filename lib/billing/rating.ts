import { minorUnits, type MinorUnits } from '../domain/money';
import { ceilDiv, exactNumber, wholeNonNegative } from './exact-integers';
import { billableSecondsExact } from './increments';
import { exactTerms, MICRO_SECOND_UNITS_PER_MINOR, type ExactTerms, type RatingTerms } from './rating-terms';

/**
 * The charge for one leg (B2: every leg is rated on its own, from its own answer time).
 *
 * Rules:
 * - billsec 0 (never answered) costs nothing, not even the connection fee;
 * - billable seconds: max(billsec, minimum) rounded up to the increments (see billableSeconds);
 * - cost = connection fee + ⌈billable × ratePerMinute / 60 / 10000⌉ minor units.
 *
 * The duration part is rounded up once, on the whole leg (not per block), to the next minor unit:
 * in the operator's favour, never by more than one minor unit. All arithmetic is on integers.
 */
export interface LegRating {
  billsecSeconds: number;
  billableSeconds: number;
  /** 0 for an unanswered leg. */
  connectionFeeMinor: MinorUnits;
  /** The duration part, rounded up to a whole minor unit. */
  durationCostMinor: MinorUnits;
  /** connectionFeeMinor + durationCostMinor. */
  costMinor: MinorUnits;
}

interface ExactRating {
  billable: bigint;
  fee: bigint;
  durationMicroSeconds: bigint;
  duration: bigint;
}

function rateExact(terms: ExactTerms, billsec: bigint): ExactRating {
  const billable = billableSecondsExact(terms, billsec);
  if (billable === 0n) return { billable, fee: 0n, durationMicroSeconds: 0n, duration: 0n };
  // micro-units·seconds per minute; dividing by 60 s × 10000 µ gives minor units, rounded UP.
  const durationMicroSeconds = billable * terms.ratePerMinute;
  return { billable, fee: terms.connectionFee, durationMicroSeconds, duration: ceilDiv(durationMicroSeconds, MICRO_SECOND_UNITS_PER_MINOR) };
}

/** Cost only, for the searches in max-duration (terms already validated). */
export function legCostExact(terms: ExactTerms, billsec: bigint): bigint {
  const { fee, duration } = rateExact(terms, billsec);
  return fee + duration;
}

function toLegRating(billsec: bigint, rating: ExactRating): LegRating {
  return {
    billsecSeconds: exactNumber(billsec, 'billsec'),
    billableSeconds: exactNumber(rating.billable, 'billable seconds'),
    connectionFeeMinor: minorUnits(exactNumber(rating.fee, 'connection fee')),
    durationCostMinor: minorUnits(exactNumber(rating.duration, 'duration cost')),
    costMinor: minorUnits(exactNumber(rating.fee + rating.duration, 'leg cost')),
  };
}

/** Throws RangeError for invalid terms or billsec, or a cost beyond Number.MAX_SAFE_INTEGER. */
export function rateLeg(rate: RatingTerms, billsecSeconds: number): LegRating {
  const billsec = wholeNonNegative(billsecSeconds, 'billsec (seconds)');
  return toLegRating(billsec, rateExact(exactTerms(rate), billsec));
}

/** rateLeg plus how it was reached, for CDR display ("2:05 billed as 2:06 at 30/6"). */
export interface LegRatingBreakdown extends LegRating {
  ratePerMinuteMicro: number;
  minimumSeconds: number;
  /** The minimum, not the actual duration, was charged. */
  minimumApplied: boolean;
  /** Effective increments (a configured 0 is shown as the 1 that was used). */
  incrementFirstSeconds: number;
  incrementNextSeconds: number;
  /** Blocks of incrementNextSeconds after the first block (0 when unanswered or within it). */
  nextIncrementCount: number;
  /** The duration part was not a whole number of minor units and was rounded up (by < 1 minor unit). */
  durationRoundedUp: boolean;
}

export function rateDurationBreakdown(rate: RatingTerms, billsecSeconds: number): LegRatingBreakdown {
  const billsec = wholeNonNegative(billsecSeconds, 'billsec (seconds)');
  const terms = exactTerms(rate);
  const rating = rateExact(terms, billsec);
  const answered = rating.billable > 0n;
  return {
    ...toLegRating(billsec, rating),
    ratePerMinuteMicro: rate.ratePerMinute,
    minimumSeconds: rate.minimumSeconds,
    minimumApplied: answered && terms.minimum > billsec,
    incrementFirstSeconds: Number(terms.first),
    incrementNextSeconds: Number(terms.next),
    nextIncrementCount: answered ? Number((rating.billable - terms.first) / terms.next) : 0,
    durationRoundedUp: rating.duration * MICRO_SECOND_UNITS_PER_MINOR !== rating.durationMicroSeconds,
  };
}
