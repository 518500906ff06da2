import fc from 'fast-check';
import { DEFAULT_CAP_SECONDS, maxCallSeconds, maxTalkSecondsForTwoLegs, rateLeg, type RatingTerms } from '../../lib/billing';
import { ratingTerms, terms } from './arbitraries';

const thirtySix = terms({ ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 });
const cost = (rate: RatingTerms, seconds: number): number => rateLeg(rate, seconds).costMinor;
const available = fc.oneof(fc.integer({ min: -10, max: 1_000 }), fc.integer({ min: 0, max: 1_000_000_000 }));

describe('maxCallSeconds', () => {
  it.each([
    ['60/60 at 0.0100 with 5 cents', terms(), 5, 300],
    ['nothing available', terms(), 0, 0],
    ['less than nothing available', terms(), -50, 0],
    ['fee unaffordable', terms({ connectionFeeMinor: 5 }), 4, 0],
    ['fee affordable, first increment not', terms({ connectionFeeMinor: 5 }), 5, 0],
    ['fee and first minute', terms({ connectionFeeMinor: 5 }), 6, 60],
    ['30/6 at 0.0200 with 3 cents', thirtySix, 3, 90],
    ['30/6 at 0.0200 with 1 cent', thirtySix, 1, 30],
    ['1/1 at 0.0125 with 1 cent', terms({ ratePerMinute: 12_500, incrementFirstSeconds: 1, incrementNextSeconds: 1 }), 1, 48],
    ['minimum 60 unaffordable', terms({ ...thirtySix, minimumSeconds: 60 }), 1, 0],
    ['minimum 60 affordable', terms({ ...thirtySix, minimumSeconds: 60 }), 2, 60],
    ['free rate is capped at 4 hours', terms({ ratePerMinute: 0, connectionFeeMinor: 3 }), 3, DEFAULT_CAP_SECONDS],
    ['free rate, fee unaffordable', terms({ ratePerMinute: 0, connectionFeeMinor: 3 }), 2, 0],
    ['long credit is capped at 4 hours', terms(), 1_000, DEFAULT_CAP_SECONDS],
  ])('%s', (_name, rate, availableMinor, expected) => {
    expect(maxCallSeconds({ availableMinor, rate })).toBe(expected);
  });

  it('takes a configured cap, or none', () => {
    expect(maxCallSeconds({ availableMinor: 1_000, rate: terms(), capSeconds: 100 })).toBe(100);
    expect(maxCallSeconds({ availableMinor: 1_000, rate: terms(), capSeconds: null })).toBe(60_000);
    expect(maxCallSeconds({ availableMinor: 1_000, rate: terms(), capSeconds: 0 })).toBe(0);
    expect(maxCallSeconds({ availableMinor: 3, rate: terms({ ratePerMinute: 0 }), capSeconds: null })).toBe('unlimited');
    expect(maxCallSeconds({ availableMinor: 0, rate: terms({ ratePerMinute: 0 }), capSeconds: null })).toBe('unlimited');
  });

  it('stays exact with huge funds, or refuses a result beyond 2^53 − 1', () => {
    const rate = terms({ ratePerMinute: 1_000_000_000, incrementFirstSeconds: 1, incrementNextSeconds: 1 });
    // 16666666667 minor units buy 10^7 s and 0.2 s more of 10^9 micro-units per minute.
    expect(maxCallSeconds({ availableMinor: 16_666_666_667, rate, capSeconds: null })).toBe(10_000_000);
    expect(maxCallSeconds({ availableMinor: 16_666_666_666, rate, capSeconds: null })).toBe(9_999_999);
    const cheap = terms({ ratePerMinute: 1 });
    expect(() => maxCallSeconds({ availableMinor: Number.MAX_SAFE_INTEGER, rate: cheap, capSeconds: null })).toThrow(RangeError);
    expect(() => maxCallSeconds({ availableMinor: Number.MAX_SAFE_INTEGER, rate: cheap, capSeconds: null })).toThrow(/maximum call seconds of \d+ is beyond/);
    expect(maxCallSeconds({ availableMinor: Number.MAX_SAFE_INTEGER, rate: cheap })).toBe(DEFAULT_CAP_SECONDS);
  });

  it('refuses invalid input', () => {
    expect(() => maxCallSeconds({ availableMinor: 1.5, rate: terms() })).toThrow(/availableMinor must be a whole number/);
    expect(() => maxCallSeconds({ availableMinor: 1, rate: terms(), capSeconds: -1 })).toThrow(/capSeconds/);
    expect(() => maxCallSeconds({ availableMinor: 1, rate: terms({ ratePerMinute: -1 }) })).toThrow(/ratePerMinute/);
  });

  it('is tight: its duration is affordable and one second more is not', () => {
    fc.assert(
      fc.property(ratingTerms({ minRate: 1 }), available, (rate, availableMinor) => {
        const seconds = maxCallSeconds({ availableMinor, rate, capSeconds: null });
        if (seconds === 'unlimited') throw new Error('a non-zero rate is never unlimited');
        expect(cost(rate, seconds)).toBeLessThanOrEqual(Math.max(0, availableMinor));
        expect(cost(rate, seconds + 1)).toBeGreaterThan(availableMinor);
        expect(seconds === 0).toBe(cost(rate, 1) > availableMinor);
      }),
      { numRuns: 1_000 },
    );
  });

  it('with a cap: never above it, affordable, and tight below it', () => {
    fc.assert(
      fc.property(ratingTerms(), available, fc.integer({ min: 0, max: 100_000 }), (rate, availableMinor, capSeconds) => {
        const seconds = maxCallSeconds({ availableMinor, rate, capSeconds });
        expect(seconds).toBeLessThanOrEqual(capSeconds);
        expect(cost(rate, seconds)).toBeLessThanOrEqual(Math.max(0, availableMinor));
        if (seconds < capSeconds) expect(cost(rate, seconds + 1)).toBeGreaterThan(availableMinor);
      }),
    );
  });

  it('a free rate is unlimited exactly when the fee is affordable', () => {
    fc.assert(
      fc.property(ratingTerms(), available, (anyRate, availableMinor) => {
        const rate = { ...anyRate, ratePerMinute: 0 };
        const expected = cost(rate, 1) <= availableMinor ? 'unlimited' : 0;
        expect(maxCallSeconds({ availableMinor, rate, capSeconds: null })).toBe(expected);
      }),
    );
  });
});

describe('maxTalkSecondsForTwoLegs', () => {
  const minuteRate = terms();
  const twoCents = terms({ ratePerMinute: 20_000 });
  const both = (rateA: RatingTerms, rateB: RatingTerms, headStart: number, talk: number): number =>
    cost(rateA, headStart + talk) + cost(rateB, talk);

  it('bills leg A from its own earlier answer and leg B from the talk start', () => {
    // A at 1 cent/min answered 30 s before B at 2 cents/min: 10 cents last 180 s of talk
    // (A: 210 s → 4, B: 180 s → 6); at 181 s B's fourth minute makes it 12.
    const input = { availableMinor: 10, rateA: minuteRate, rateB: twoCents, aAlreadyAnsweredSeconds: 30 };
    expect(maxTalkSecondsForTwoLegs(input)).toBe(180);
    expect(both(minuteRate, twoCents, 30, 180)).toBe(10);
    expect(both(minuteRate, twoCents, 30, 181)).toBe(12);
  });

  it('is 0 when the first second of talk is unaffordable', () => {
    expect(maxTalkSecondsForTwoLegs({ availableMinor: 2, rateA: minuteRate, rateB: twoCents, aAlreadyAnsweredSeconds: 30 })).toBe(0);
    expect(maxTalkSecondsForTwoLegs({ availableMinor: 3, rateA: minuteRate, rateB: twoCents, aAlreadyAnsweredSeconds: 30 })).toBe(30);
  });

  it('is 0 when leg A alone has used up the funds', () => {
    expect(maxTalkSecondsForTwoLegs({ availableMinor: 10, rateA: minuteRate, rateB: terms({ ratePerMinute: 0 }), aAlreadyAnsweredSeconds: 600 })).toBe(0);
  });

  it('with one free leg, the other one sets the limit', () => {
    const free = terms({ ratePerMinute: 0 });
    expect(maxTalkSecondsForTwoLegs({ availableMinor: 5, rateA: free, rateB: minuteRate, aAlreadyAnsweredSeconds: 100, capSeconds: null })).toBe(300);
    expect(maxTalkSecondsForTwoLegs({ availableMinor: 5, rateA: minuteRate, rateB: free, aAlreadyAnsweredSeconds: 100, capSeconds: null })).toBe(200);
  });

  it('two free legs are unlimited or capped, when the fees are affordable', () => {
    const fee = terms({ ratePerMinute: 0, connectionFeeMinor: 2 });
    expect(maxTalkSecondsForTwoLegs({ availableMinor: 4, rateA: fee, rateB: fee, aAlreadyAnsweredSeconds: 5, capSeconds: null })).toBe('unlimited');
    expect(maxTalkSecondsForTwoLegs({ availableMinor: 4, rateA: fee, rateB: fee, aAlreadyAnsweredSeconds: 5 })).toBe(DEFAULT_CAP_SECONDS);
    expect(maxTalkSecondsForTwoLegs({ availableMinor: 4, rateA: fee, rateB: fee, aAlreadyAnsweredSeconds: 5, capSeconds: 0 })).toBe(0);
    expect(maxTalkSecondsForTwoLegs({ availableMinor: 3, rateA: fee, rateB: fee, aAlreadyAnsweredSeconds: 5, capSeconds: null })).toBe(0);
  });

  it('refuses invalid input', () => {
    expect(() => maxTalkSecondsForTwoLegs({ availableMinor: 4, rateA: minuteRate, rateB: minuteRate, aAlreadyAnsweredSeconds: -1 })).toThrow(
      /aAlreadyAnsweredSeconds must be a whole number/,
    );
  });

  it('is tight: the talk is affordable for both legs, one second more is not', () => {
    fc.assert(
      fc.property(ratingTerms({ minRate: 1 }), ratingTerms(), fc.boolean(), fc.nat(600), available, (paid, other, swap, headStart, availableMinor) => {
        const [rateA, rateB] = swap ? [other, paid] : [paid, other];
        const talk = maxTalkSecondsForTwoLegs({ availableMinor, rateA, rateB, aAlreadyAnsweredSeconds: headStart, capSeconds: null });
        if (talk === 'unlimited') throw new Error('a non-zero rate is never unlimited');
        if (talk > 0) expect(both(rateA, rateB, headStart, talk)).toBeLessThanOrEqual(availableMinor);
        expect(both(rateA, rateB, headStart, talk + 1)).toBeGreaterThan(availableMinor);
        expect(talk === 0).toBe(both(rateA, rateB, headStart, 1) > availableMinor);
      }),
      { numRuns: 1_000 },
    );
  });

  it('agrees with a second-by-second search on small funds', () => {
    fc.assert(
      fc.property(ratingTerms({ minRate: 5_000 }), ratingTerms({ minRate: 5_000 }), fc.nat(300), fc.integer({ min: 0, max: 40 }), (rateA, rateB, headStart, availableMinor) => {
        let expected = 0;
        while (both(rateA, rateB, headStart, expected + 1) <= availableMinor) expected += 1;
        expect(maxTalkSecondsForTwoLegs({ availableMinor, rateA, rateB, aAlreadyAnsweredSeconds: headStart, capSeconds: null })).toBe(expected);
      }),
    );
  });

  it('with a cap: never above it, and tight below it', () => {
    fc.assert(
      fc.property(ratingTerms(), ratingTerms(), fc.nat(600), available, fc.integer({ min: 0, max: 20_000 }), (rateA, rateB, headStart, availableMinor, capSeconds) => {
        const talk = maxTalkSecondsForTwoLegs({ availableMinor, rateA, rateB, aAlreadyAnsweredSeconds: headStart, capSeconds });
        expect(talk).toBeLessThanOrEqual(capSeconds);
        if (talk > 0) expect(both(rateA, rateB, headStart, talk)).toBeLessThanOrEqual(availableMinor);
        if (talk < capSeconds) expect(both(rateA, rateB, headStart, talk + 1)).toBeGreaterThan(availableMinor);
      }),
    );
  });

  it('one leg alone gives the single-leg answer', () => {
    fc.assert(
      fc.property(ratingTerms(), available, (rate, availableMinor) => {
        const nothing = terms({ ratePerMinute: 0 });
        const alone = maxCallSeconds({ availableMinor, rate, capSeconds: null });
        expect(maxTalkSecondsForTwoLegs({ availableMinor, rateA: nothing, rateB: rate, aAlreadyAnsweredSeconds: 0, capSeconds: null })).toBe(alone);
      }),
    );
  });
});
