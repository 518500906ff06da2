/** The pure billing core: rating, limits, reservations, payer choice. No I/O. */
export { billableSeconds } from './increments';
export { chargeTarget, type ChargeQuestion, type ChargeTarget } from './leg-charge';
export { longestPrefixMatch, prefixMatcher, type Prefixed } from './longest-prefix';
export { DEFAULT_CAP_SECONDS, maxCallSeconds, maxTalkSecondsForTwoLegs, type MaxCallInput, type TwoLegInput } from './max-duration';
export { correctEstimate, type EstimateCorrection, type EstimateCorrectionInput } from './estimate-correction';
export { rateDurationBreakdown, rateLeg, type LegRating, type LegRatingBreakdown } from './rating';
export { MICRO_UNITS_PER_MINOR, ratingTermsOf, type RatingTerms } from './rating-terms';
export {
  DEFAULT_WARNING_SECONDS_BEFORE,
  reservationFor,
  reservationForTwoLegs,
  timeLimitPlan,
  type TimeLimitPlan,
} from './reservation-plan';
