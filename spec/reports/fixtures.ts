import type { ReportCdr } from '../../lib/billing/reports';

/*
 * Seven legs whose report figures are worked out by hand in the tests. Account A pays in USD,
 * account B in EUR; one leg has no account (and no currency). Leg 2 starts at 23:30 UTC, which
 * is already the next day in Europe/Berlin (UTC+1 in March), so day buckets differ by zone.
 * Legs 1 and 5 start at the same instant, to exercise paging on equal started_at.
 */
export const ALPHA = { id: 1, name: 'Alpha', currency: 'USD' } as const;
export const BETA = { id: 2, name: 'Beta', currency: 'EUR' } as const;

const at = (iso: string) => Date.parse(iso);

function leg(
  account: { id: number; name: string; currency: string } | null,
  number: string,
  ratePrefix: string | null,
  startedIso: string,
  billsec: number,
  costMinor: number,
): ReportCdr {
  const startedAt = at(startedIso);
  return {
    accountId: account?.id ?? null,
    accountName: account?.name ?? null,
    currency: account?.currency ?? null,
    number,
    ratePrefix,
    startedAt,
    answeredAt: billsec > 0 ? startedAt + 5_000 : null,
    billsec,
    costMinor,
  };
}

export const LEGS: readonly ReportCdr[] = [
  leg(ALPHA, '+4930111', '49', '2026-03-01T10:00:00Z', 120, 30),
  leg(ALPHA, '+4930222', '49', '2026-03-01T23:30:00Z', 45, 12),
  leg(ALPHA, '+441234', '44', '2026-03-02T09:00:00Z', 0, 0),
  leg(ALPHA, '+15551234', '1', '2026-04-01T12:00:00Z', 60, 8),
  leg(BETA, '+4930333', '49', '2026-03-01T10:00:00Z', 30, 5),
  leg(BETA, '+4989444', '49', '2026-03-15T08:00:00Z', 0, 0),
  leg(null, '+4930555', null, '2026-03-03T10:00:00Z', 10, 0),
];

/** The integer sums of a line, which the hand computation gives exactly. */
export function sums(line: { calls: number; answered: number; billsec: number; revenueMinor: number }): [number, number, number, number] {
  return [line.calls, line.answered, line.billsec, line.revenueMinor];
}
