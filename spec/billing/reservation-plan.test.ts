import fc from 'fast-check';
import {
  DEFAULT_WARNING_SECONDS_BEFORE,
  maxCallSeconds,
  maxTalkSecondsForTwoLegs,
  reservationFor,
  reservationForTwoLegs,
  timeLimitPlan,
} from '../../lib/billing';
import { ratingTerms, terms } from './arbitraries';

describe('reservationFor', () => {
  it('holds the cost of the planned duration', () => {
    expect(reservationFor(terms(), 300)).toBe(5);
    expect(reservationFor(terms(), 301)).toBe(6);
    expect(reservationFor(terms({ connectionFeeMinor: 5 }), 1)).toBe(6);
    expect(reservationFor(terms({ connectionFeeMinor: 5 }), 0)).toBe(0);
  });

  it('refuses invalid durations', () => {
    expect(() => reservationFor(terms(), -1)).toThrow(/seconds must be a whole number/);
  });

  it('the hold for the maximum duration always fits the funds', () => {
    fc.assert(
      fc.property(ratingTerms(), fc.integer({ min: -10, max: 1_000_000 }), (rate, availableMinor) => {
        const seconds = maxCallSeconds({ availableMinor, rate });
        expect(reservationFor(rate, seconds)).toBeLessThanOrEqual(Math.max(0, availableMinor));
      }),
    );
  });
});

describe('reservationForTwoLegs', () => {
  it('adds leg A from its earlier answer and leg B from the talk start', () => {
    const input = { rateA: terms(), rateB: terms({ ratePerMinute: 20_000 }), aAlreadyAnsweredSeconds: 30 };
    expect(reservationForTwoLegs({ ...input, talkSeconds: 180 })).toBe(10);
    expect(reservationForTwoLegs({ ...input, talkSeconds: 0 })).toBe(1);
  });

  it('the hold for the maximum talk always fits the funds', () => {
    fc.assert(
      fc.property(ratingTerms(), ratingTerms(), fc.nat(600), fc.integer({ min: 0, max: 1_000_000 }), (rateA, rateB, headStart, availableMinor) => {
        const talkSeconds = maxTalkSecondsForTwoLegs({ availableMinor, rateA, rateB, aAlreadyAnsweredSeconds: headStart });
        fc.pre(talkSeconds > 0);
        expect(reservationForTwoLegs({ rateA, rateB, aAlreadyAnsweredSeconds: headStart, talkSeconds })).toBeLessThanOrEqual(availableMinor);
      }),
    );
  });
});

describe('timeLimitPlan', () => {
  it.each([
    [300, undefined, 240],
    [300, 30, 270],
    [61, undefined, 1],
    [60, undefined, 30],
    [45, undefined, 22],
    [3, undefined, 1],
    [2, undefined, 1],
    [1, undefined, undefined],
    [0, undefined, undefined],
    [300, 0, undefined],
    [10, 0, undefined],
  ])('limit %p s, warning %p s before: warn at %p s', (maxSeconds, warningSecondsBefore, warnAtSeconds) => {
    const options = warningSecondsBefore === undefined ? {} : { warningSecondsBefore };
    expect(timeLimitPlan(maxSeconds, options)).toEqual({ warnAtSeconds, hangupAtSeconds: maxSeconds });
  });

  it('defaults to a warning one minute before the end', () => {
    expect(DEFAULT_WARNING_SECONDS_BEFORE).toBe(60);
  });

  it('refuses invalid durations', () => {
    expect(() => timeLimitPlan(-1)).toThrow(/maxSeconds must be a whole number/);
    expect(() => timeLimitPlan(1.5)).toThrow(RangeError);
    expect(() => timeLimitPlan(100, { warningSecondsBefore: -5 })).toThrow(/warningSecondsBefore/);
  });

  it('warns once, inside the call, never at its first second', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(600), (maxSeconds, warningSecondsBefore) => {
        const plan = timeLimitPlan(maxSeconds, { warningSecondsBefore });
        expect(plan.hangupAtSeconds).toBe(maxSeconds);
        if (plan.warnAtSeconds === undefined) {
          expect(warningSecondsBefore === 0 || maxSeconds < 2).toBe(true);
          return;
        }
        expect(plan.warnAtSeconds).toBeGreaterThanOrEqual(1);
        expect(plan.warnAtSeconds).toBeLessThan(maxSeconds);
        if (maxSeconds > warningSecondsBefore) expect(plan.warnAtSeconds).toBe(maxSeconds - warningSecondsBefore);
      }),
    );
  });
});
