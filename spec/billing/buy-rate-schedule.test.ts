import fc from 'fast-check';
import { buyRateSchedule, type DatedRate } from '../../lib/billing/buy-rate-schedule';

interface Row extends DatedRate {
  readonly id: number;
}

/** The store's rule, by brute force over every row: per prefix the latest not after `at`, then the longest prefix. */
function inForceAt(rows: readonly Row[], digits: string, at: number): Row | null {
  let best: Row | null = null;
  for (const row of rows) {
    if (row.effectiveFrom > at || !digits.startsWith(row.prefix)) continue;
    const latest = rows.filter((other) => other.prefix === row.prefix && other.effectiveFrom <= at).every((other) => other.effectiveFrom <= row.effectiveFrom);
    if (latest && (!best || row.prefix.length > best.prefix.length)) best = row;
  }
  return best;
}

/** What the store hands the schedule when read at `readAt`: the rows in force then, and those dated after. */
function readAt(rows: readonly Row[], at: number): { inForce: Row[]; later: Row[] } {
  const inForce = rows.filter((row) => row.effectiveFrom <= at && rows.every((other) => other.prefix !== row.prefix || other.effectiveFrom > at || other.effectiveFrom <= row.effectiveFrom));
  return { inForce, later: rows.filter((row) => row.effectiveFrom > at) };
}

const row = (id: number, prefix: string, effectiveFrom: number): Row => ({ id, prefix, effectiveFrom });

describe('buyRateSchedule (pure)', () => {
  const rows = [row(1, '49', 0), row(2, '4930', 0), row(3, '49', 1_000), row(4, '4930', 5_000), row(5, '1', 2_000)];
  const { inForce, later } = readAt(rows, 1_500);
  const schedule = buyRateSchedule(inForce, later);

  it('answers from the rates in force at the read, longest prefix first', () => {
    expect(schedule('4930123', 1_500)?.id).toBe(2);
    expect(schedule('4940123', 1_500)?.id).toBe(3);
    expect(schedule('33123', 1_500)).toBeNull();
  });

  it('switches to a sheet dated after the read at its own instant', () => {
    expect(schedule('1555', 1_999)).toBeNull();
    expect(schedule('1555', 2_000)?.id).toBe(5);
    expect(schedule('4930123', 4_999)?.id).toBe(2);
    expect(schedule('4930123', 5_000)?.id).toBe(4);
  });

  it('answers for an instant before the read while no sheet took effect in between', () => {
    expect(schedule('4940123', 1_000)?.id).toBe(3);
  });

  it('does not know an instant before a sheet in force at the read took effect (its predecessor was not read)', () => {
    expect(schedule('4940123', 999)).toBeUndefined();
    expect(schedule('33', 0)).toBeUndefined();
  });

  it('knows every instant of a carrier that had no rate in force at the read', () => {
    const future = buyRateSchedule([], [row(1, '44', 9_000)]);
    expect(future('44123', 0)).toBeNull();
    expect(future('44123', 9_000)?.id).toBe(1);
  });

  it('refuses two rates of one prefix in force at once', () => {
    expect(() => buyRateSchedule([row(1, '49', 0), row(2, '49', 5)], [])).toThrow(RangeError);
  });

  it('agrees with the store rule wherever it answers, and answers at and after the read', () => {
    const prefixes = fc.constantFrom('1', '12', '123', '4', '49', '493', '4930');
    const rowsArb = fc
      .uniqueArray(fc.record({ prefix: prefixes, effectiveFrom: fc.integer({ min: 0, max: 20 }) }), { selector: (r) => `${r.prefix}@${r.effectiveFrom}`, maxLength: 20 })
      .map((list) => list.map((r, index) => row(index + 1, r.prefix, r.effectiveFrom)));
    fc.assert(
      fc.property(rowsArb, fc.integer({ min: 0, max: 20 }), fc.constantFrom('1234', '4930', '4931', '5', '12'), fc.integer({ min: -1, max: 25 }), (all, read, digits, at) => {
        const { inForce: now, later: after } = readAt(all, read);
        const answer = buyRateSchedule(now, after)(digits, at);
        if (at >= read) expect(answer).not.toBeUndefined();
        if (answer !== undefined) expect(answer).toEqual(inForceAt(all, digits, at));
      }),
      { numRuns: 2_000 },
    );
  });
});
