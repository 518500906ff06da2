import fc from 'fast-check';
import { minorUnits } from '../../lib/domain/money';
import type { RatingTerms } from '../../lib/billing';

/** 60/60 at 0.0100 per minute, no fee, no minimum, unless overridden. */
export function terms(overrides: Partial<Omit<RatingTerms, 'connectionFeeMinor'>> & { connectionFeeMinor?: number } = {}): RatingTerms {
  const { connectionFeeMinor = 0, ...rest } = overrides;
  return {
    ratePerMinute: 10_000,
    incrementFirstSeconds: 60,
    incrementNextSeconds: 60,
    minimumSeconds: 0,
    ...rest,
    connectionFeeMinor: minorUnits(connectionFeeMinor),
  };
}

const increment = fc.oneof(fc.constantFrom(0, 1, 6, 30, 60), fc.integer({ min: 0, max: 120 }));

/** Terms from realistic to extreme; `minRate` 1 excludes free rates (which are unlimited). */
export function ratingTerms(options: { minRate?: number } = {}): fc.Arbitrary<RatingTerms> {
  const minRate = options.minRate ?? 0;
  return fc
    .record({
      ratePerMinute: fc.oneof(fc.integer({ min: minRate, max: 100_000 }), fc.integer({ min: minRate, max: 1_000_000_000 })),
      connectionFeeMinor: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 })),
      incrementFirstSeconds: increment,
      incrementNextSeconds: increment,
      minimumSeconds: fc.oneof(fc.constantFrom(0, 30, 60), fc.integer({ min: 0, max: 300 })),
    })
    .map((record) => terms(record));
}

export const billsec = fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 10_000_000 }));

/** Independent reference: blocks are added one by one, money via BigInt. Small billsec only. */
export function referenceCost(rate: RatingTerms, seconds: number): { billable: number; cost: bigint } {
  if (seconds === 0) return { billable: 0, cost: 0n };
  const first = rate.incrementFirstSeconds || 1;
  const next = rate.incrementNextSeconds || 1;
  const charged = Math.max(seconds, rate.minimumSeconds);
  let billable = first;
  while (billable < charged) billable += next;
  const micro = BigInt(billable) * BigInt(rate.ratePerMinute);
  const perMinor = 600_000n;
  const whole = micro / perMinor;
  const duration = whole * perMinor === micro ? whole : whole + 1n;
  return { billable, cost: BigInt(rate.connectionFeeMinor) + duration };
}
