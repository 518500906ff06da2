import fc from 'fast-check';
import { leaseMayHaveLapsed } from '../../../lib/callback/engine/lease';

describe('leaseMayHaveLapsed (pure): when an admission that waited for the database must confirm its lease before dialing', () => {
  it('never before a renewal was due (a third of the lease), always from then on', () => {
    expect(leaseMayHaveLapsed(0, 0, 120_000)).toBe(false);
    expect(leaseMayHaveLapsed(0, 39_999, 120_000)).toBe(false);
    expect(leaseMayHaveLapsed(0, 40_000, 120_000)).toBe(true);
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.nat(1_000_000), fc.integer({ min: 3, max: 600_000 }), (since, elapsed, leaseMs) => {
        // A lease that cannot have lapsed is one still well inside its length.
        if (!leaseMayHaveLapsed(since, since + elapsed, leaseMs)) expect(elapsed).toBeLessThan(leaseMs);
        if (elapsed >= leaseMs) expect(leaseMayHaveLapsed(since, since + elapsed, leaseMs)).toBe(true);
      }),
    );
  });
});
