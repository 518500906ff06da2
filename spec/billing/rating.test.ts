import fc from 'fast-check';
import { billableSeconds, MICRO_UNITS_PER_MINOR, rateDurationBreakdown, rateLeg } from '../../lib/billing';
import { MICRO_UNITS_PER_MINOR as STORE_MICRO_UNITS_PER_MINOR } from '../../lib/store/tariffs-rates';
import { billsec, ratingTerms, referenceCost, terms } from './arbitraries';

describe('rateLeg', () => {
  it('uses the same rate unit as the store', () => {
    expect(MICRO_UNITS_PER_MINOR).toBe(STORE_MICRO_UNITS_PER_MINOR);
  });

  // [description, terms, billsec, billable seconds, cost in minor units]
  const cases: Array<[string, Parameters<typeof terms>[0], number, number, number]> = [
    ['60/60 at 0.0100: unanswered is free', {}, 0, 0, 0],
    ['60/60 at 0.0100: 1 s is a minute', {}, 1, 60, 1],
    ['60/60 at 0.0100: 60 s', {}, 60, 60, 1],
    ['60/60 at 0.0100: 61 s is two minutes', {}, 61, 120, 2],
    ['60/60 at 0.0100: 119 s', {}, 119, 120, 2],
    ['30/6 at 0.0200: 1 s bills the first 30 s', { ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 }, 1, 30, 1],
    ['30/6 at 0.0200: 30 s', { ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 }, 30, 30, 1],
    ['30/6 at 0.0200: 31 s bills 36 s, 1.2 → 2', { ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 }, 31, 36, 2],
    ['30/6 at 0.0200: 37 s bills 42 s', { ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 }, 37, 42, 2],
    ['30/6 at 0.0200: 61 s bills 66 s, 2.2 → 3', { ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 }, 61, 66, 3],
    ['1/1 at 0.0125: 1 s rounds up to 1', { ratePerMinute: 12_500, incrementFirstSeconds: 1, incrementNextSeconds: 1 }, 1, 1, 1],
    ['1/1 at 0.0125: 48 s is exactly 1', { ratePerMinute: 12_500, incrementFirstSeconds: 1, incrementNextSeconds: 1 }, 48, 48, 1],
    ['1/1 at 0.0125: 49 s', { ratePerMinute: 12_500, incrementFirstSeconds: 1, incrementNextSeconds: 1 }, 49, 49, 2],
    ['1/1 at 0.0125: 96 s is exactly 2', { ratePerMinute: 12_500, incrementFirstSeconds: 1, incrementNextSeconds: 1 }, 96, 96, 2],
    ['1/1 at 0.0125: 97 s', { ratePerMinute: 12_500, incrementFirstSeconds: 1, incrementNextSeconds: 1 }, 97, 97, 3],
    ['60/60 at 0.0125: 1.25 → 2', { ratePerMinute: 12_500 }, 60, 60, 2],
    ['60/60 at 0.0125: 2.5 → 3', { ratePerMinute: 12_500 }, 120, 120, 3],
    ['60/60 at 0.0125: 5 exactly', { ratePerMinute: 12_500 }, 240, 240, 5],
    ['connection fee is not charged unanswered', { connectionFeeMinor: 5 }, 0, 0, 0],
    ['connection fee + first minute', { connectionFeeMinor: 5 }, 1, 60, 6],
    ['connection fee + two minutes', { connectionFeeMinor: 5 }, 61, 120, 7],
    ['free rate with a fee', { ratePerMinute: 0, connectionFeeMinor: 3 }, 1000, 1020, 3],
    ['minimum 30 at 1/1: 1 s', { ratePerMinute: 60_000, incrementFirstSeconds: 1, incrementNextSeconds: 1, minimumSeconds: 30 }, 1, 30, 3],
    ['minimum 30 at 1/1: 29 s', { ratePerMinute: 60_000, incrementFirstSeconds: 1, incrementNextSeconds: 1, minimumSeconds: 30 }, 29, 30, 3],
    ['minimum 30 at 1/1: 31 s', { ratePerMinute: 60_000, incrementFirstSeconds: 1, incrementNextSeconds: 1, minimumSeconds: 30 }, 31, 31, 4],
    ['minimum 60 at 30/6: 1 s', { ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6, minimumSeconds: 60 }, 1, 60, 2],
    ['minimum 60 at 30/6: 61 s', { ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6, minimumSeconds: 60 }, 61, 66, 3],
    ['minimum 45 is itself rounded to the increments', { ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6, minimumSeconds: 45 }, 1, 48, 2],
    ['minimum does not apply unanswered', { minimumSeconds: 60, connectionFeeMinor: 5 }, 0, 0, 0],
    ['increments of 0 count as 1', { incrementFirstSeconds: 0, incrementNextSeconds: 0 }, 7, 7, 1],
    ['increment first 0, next 60', { incrementFirstSeconds: 0, incrementNextSeconds: 60 }, 2, 61, 2],
  ];

  it.each(cases)('%s', (_name, overrides, seconds, billable, cost) => {
    const rating = rateLeg(terms(overrides), seconds);
    expect(rating.billableSeconds).toBe(billable);
    expect(rating.costMinor).toBe(cost);
    expect(rating.connectionFeeMinor + rating.durationCostMinor).toBe(cost);
    expect(billableSeconds(terms(overrides), seconds)).toBe(billable);
  });

  it('reports the parts of the charge', () => {
    expect(rateLeg(terms({ connectionFeeMinor: 5, ratePerMinute: 12_500 }), 61)).toEqual({
      billsecSeconds: 61,
      billableSeconds: 120,
      connectionFeeMinor: 5,
      durationCostMinor: 3,
      costMinor: 8,
    });
  });

  describe('stays exact with huge values', () => {
    it('10^9 micro-units per minute for 10^7 s (the product passes 2^53)', () => {
      const rate = terms({ ratePerMinute: 1_000_000_000, incrementFirstSeconds: 1, incrementNextSeconds: 1 });
      // 10^7 × 10^9 / 600000 = 16666666666.67, rounded up.
      expect(rateLeg(rate, 10_000_000).costMinor).toBe(16_666_666_667);
      expect(rateLeg(rate, 10_000_000 - 1).costMinor).toBe(16_666_665_000);
    });

    it('10^9 per minute at 60/60', () => {
      const rate = terms({ ratePerMinute: 1_000_000_000 });
      expect(rateLeg(rate, 10_000_000)).toMatchObject({ billableSeconds: 10_000_020, costMinor: 16_666_700_000 });
    });

    it('refuses a cost beyond 2^53 − 1 instead of rounding it', () => {
      const rate = terms({ ratePerMinute: Number.MAX_SAFE_INTEGER, incrementFirstSeconds: 1, incrementNextSeconds: 1 });
      expect(() => rateLeg(rate, 10_000_000)).toThrow(RangeError);
      expect(() => rateLeg(rate, 10_000_000)).toThrow(/duration cost of \d+ is beyond 9007199254740991/);
      const expensiveFee = terms({ connectionFeeMinor: Number.MAX_SAFE_INTEGER });
      expect(() => rateLeg(expensiveFee, 1)).toThrow(/leg cost of 9007199254740992 is beyond/);
      expect(rateLeg(expensiveFee, 0).costMinor).toBe(0);
    });

    it('refuses billable seconds beyond 2^53 − 1', () => {
      expect(() => rateLeg(terms({ ratePerMinute: 0 }), Number.MAX_SAFE_INTEGER)).toThrow(/billable seconds of \d+ is beyond/);
      expect(rateLeg(terms({ ratePerMinute: 0, incrementFirstSeconds: 1, incrementNextSeconds: 1 }), Number.MAX_SAFE_INTEGER).billableSeconds).toBe(
        Number.MAX_SAFE_INTEGER,
      );
    });
  });

  describe('refuses invalid input with a RangeError naming it', () => {
    it.each([
      ['billsec', terms(), -1, /billsec \(seconds\) must be a whole number/],
      ['billsec', terms(), 1.5, /billsec \(seconds\) must be a whole number.*got 1\.5/],
      ['billsec', terms(), Number.NaN, /billsec/],
      ['billsec', terms(), Number.MAX_SAFE_INTEGER + 1, /billsec/],
      ['rate', terms({ ratePerMinute: 0.5 }), 1, /ratePerMinute/],
      ['rate', terms({ ratePerMinute: -1 }), 1, /ratePerMinute/],
      ['fee', terms({ connectionFeeMinor: -5 }), 1, /connectionFeeMinor/],
      ['first', terms({ incrementFirstSeconds: -60 }), 1, /incrementFirstSeconds/],
      ['next', terms({ incrementNextSeconds: 6.5 }), 1, /incrementNextSeconds/],
      ['minimum', terms({ minimumSeconds: Number.POSITIVE_INFINITY }), 1, /minimumSeconds/],
    ])('%s', (_name, rate, seconds, message) => {
      expect(() => rateLeg(rate, seconds)).toThrow(RangeError);
      expect(() => rateLeg(rate, seconds)).toThrow(message);
    });
  });

  describe('properties', () => {
    it('cost is a whole, non-negative, safe number of minor units', () => {
      fc.assert(
        fc.property(ratingTerms(), billsec, (rate, seconds) => {
          const { costMinor, durationCostMinor, connectionFeeMinor } = rateLeg(rate, seconds);
          expect(Number.isSafeInteger(costMinor) && costMinor >= 0).toBe(true);
          expect(Number.isSafeInteger(durationCostMinor) && durationCostMinor >= 0).toBe(true);
          expect([0, rate.connectionFeeMinor]).toContain(connectionFeeMinor);
        }),
      );
    });

    it('cost is monotone in billsec', () => {
      fc.assert(
        fc.property(ratingTerms(), billsec, billsec, (rate, x, y) => {
          const [short, long] = x <= y ? [x, y] : [y, x];
          expect(rateLeg(rate, short).costMinor).toBeLessThanOrEqual(rateLeg(rate, long).costMinor);
          expect(rateLeg(rate, short).billableSeconds).toBeLessThanOrEqual(rateLeg(rate, long).billableSeconds);
        }),
      );
    });

    it('unanswered is free; answered costs at least the fee and bills at least billsec and the minimum', () => {
      fc.assert(
        fc.property(ratingTerms(), billsec, (rate, seconds) => {
          expect(rateLeg(rate, 0).costMinor).toBe(0);
          if (seconds === 0) return;
          const rating = rateLeg(rate, seconds);
          expect(rating.costMinor).toBeGreaterThanOrEqual(rate.connectionFeeMinor);
          expect(rating.billableSeconds).toBeGreaterThanOrEqual(Math.max(seconds, rate.minimumSeconds));
        }),
      );
    });

    it('rounds the duration part up by less than one minor unit', () => {
      fc.assert(
        fc.property(ratingTerms(), billsec, (rate, seconds) => {
          const { billableSeconds: billable, durationCostMinor } = rateLeg(rate, seconds);
          const exact = BigInt(billable) * BigInt(rate.ratePerMinute); // in units of 1/600000 minor
          expect(BigInt(durationCostMinor) * 600_000n >= exact).toBe(true);
          expect(BigInt(durationCostMinor) * 600_000n - exact < 600_000n).toBe(true);
        }),
      );
    });

    it('rounds the duration up to the next increment boundary, never further', () => {
      fc.assert(
        fc.property(ratingTerms(), billsec, (rate, seconds) => {
          fc.pre(seconds > 0);
          const first = rate.incrementFirstSeconds || 1;
          const next = rate.incrementNextSeconds || 1;
          const charged = Math.max(seconds, rate.minimumSeconds);
          const { billableSeconds: billable } = rateLeg(rate, seconds);
          if (charged <= first) expect(billable).toBe(first);
          else {
            expect((billable - first) % next).toBe(0);
            expect(billable - charged).toBeLessThan(next);
          }
        }),
      );
    });

    it('agrees with a block-by-block reference', () => {
      fc.assert(
        fc.property(ratingTerms(), fc.integer({ min: 0, max: 3_000 }), (rate, seconds) => {
          const reference = referenceCost(rate, seconds);
          const rating = rateLeg(rate, seconds);
          expect(rating.billableSeconds).toBe(reference.billable);
          expect(BigInt(rating.costMinor)).toBe(reference.cost);
        }),
        { numRuns: 1_000 },
      );
    });
  });
});

describe('rateDurationBreakdown', () => {
  it('explains a 30/6 leg with a fee', () => {
    const rate = terms({ ratePerMinute: 20_000, connectionFeeMinor: 5, incrementFirstSeconds: 30, incrementNextSeconds: 6 });
    expect(rateDurationBreakdown(rate, 125)).toEqual({
      billsecSeconds: 125,
      billableSeconds: 126,
      connectionFeeMinor: 5,
      durationCostMinor: 5,
      costMinor: 10,
      ratePerMinuteMicro: 20_000,
      minimumSeconds: 0,
      minimumApplied: false,
      incrementFirstSeconds: 30,
      incrementNextSeconds: 6,
      nextIncrementCount: 16,
      durationRoundedUp: true,
    });
  });

  it('says when the minimum was charged, and shows 0 increments as the 1 used', () => {
    const rate = terms({ ratePerMinute: 60_000, incrementFirstSeconds: 0, incrementNextSeconds: 0, minimumSeconds: 30 });
    expect(rateDurationBreakdown(rate, 10)).toMatchObject({
      billableSeconds: 30,
      costMinor: 3,
      minimumApplied: true,
      incrementFirstSeconds: 1,
      incrementNextSeconds: 1,
      nextIncrementCount: 29,
      durationRoundedUp: false,
    });
  });

  it('shows an unanswered leg as nothing charged', () => {
    expect(rateDurationBreakdown(terms({ minimumSeconds: 60, connectionFeeMinor: 5 }), 0)).toMatchObject({
      billableSeconds: 0,
      costMinor: 0,
      connectionFeeMinor: 0,
      minimumApplied: false,
      nextIncrementCount: 0,
      durationRoundedUp: false,
    });
  });

  it('agrees with rateLeg', () => {
    fc.assert(
      fc.property(ratingTerms(), billsec, (rate, seconds) => {
        const breakdown = rateDurationBreakdown(rate, seconds);
        expect(breakdown).toMatchObject(rateLeg(rate, seconds));
        if (breakdown.billableSeconds > 0) {
          expect(breakdown.incrementFirstSeconds + breakdown.nextIncrementCount * breakdown.incrementNextSeconds).toBe(breakdown.billableSeconds);
        }
      }),
    );
  });
});
