import { minorUnits, type MinorUnits } from '../domain/money';
import { checkWholeNonNegative, exactNumber, wholeNonNegative } from './exact-integers';
import { legCostExact } from './rating';
import { exactTerms, type RatingTerms } from './rating-terms';

/**
 * What to hold before dialing (B3) and when to warn and cut (C6). The hold is the exact cost of
 * the planned duration, so a call that ends at its limit settles at most what was held. A hold
 * of 0 (nothing to pay) needs no reservation: the store refuses to hold zero.
 */
export function reservationFor(rate: RatingTerms, seconds: number): MinorUnits {
  const cost = legCostExact(exactTerms(rate), wholeNonNegative(seconds, 'seconds'));
  return minorUnits(exactNumber(cost, 'reservation'));
}

/** Both legs from the same funds: leg A runs aAlreadyAnsweredSeconds longer than the talk. */
export function reservationForTwoLegs(input: {
  rateA: RatingTerms;
  rateB: RatingTerms;
  aAlreadyAnsweredSeconds: number;
  talkSeconds: number;
}): MinorUnits {
  const talk = wholeNonNegative(input.talkSeconds, 'talkSeconds');
  const headStart = wholeNonNegative(input.aAlreadyAnsweredSeconds, 'aAlreadyAnsweredSeconds');
  const cost = legCostExact(exactTerms(input.rateA), headStart + talk) + legCostExact(exactTerms(input.rateB), talk);
  return minorUnits(exactNumber(cost, 'reservation'));
}

/** Seconds from the start of the talk (leg B's answer). */
export interface TimeLimitPlan {
  /** When to play the warning tone; undefined when there is none. */
  warnAtSeconds: number | undefined;
  /** The hard stop. 0 means the call must not be connected at all. */
  hangupAtSeconds: number;
}

export const DEFAULT_WARNING_SECONDS_BEFORE = 60;

/**
 * Warning `warningSecondsBefore` seconds before the end. A call shorter than that still gets one
 * warning, halfway through: the subscriber heard the maximum duration announced before the
 * connection (C2), but may have forgotten it, and half the talk is as much time to wrap up as
 * can be given. No warning when that would fall on the very first second (limit of 0 or 1 s) or
 * when warningSecondsBefore is 0.
 */
export function timeLimitPlan(maxSeconds: number, options: { warningSecondsBefore?: number } = {}): TimeLimitPlan {
  const limit = checkWholeNonNegative(maxSeconds, 'maxSeconds');
  const before = checkWholeNonNegative(options.warningSecondsBefore ?? DEFAULT_WARNING_SECONDS_BEFORE, 'warningSecondsBefore');
  if (before === 0) return { warnAtSeconds: undefined, hangupAtSeconds: limit };
  const warnAt = limit > before ? limit - before : Math.floor(limit / 2);
  return { warnAtSeconds: warnAt >= 1 ? warnAt : undefined, hangupAtSeconds: limit };
}
