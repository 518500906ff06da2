import type { ReportCdr } from '../../lib/billing/reports';

/*
 * Seven legs whose report figures are worked out by hand in the tests. Account A pays in USD,
 * account B in EUR; one leg has no account (and no currency). Leg 2 starts at 23:30 UTC, which
 * is already the next day in Europe/Berlin (UTC+1 in March), so day buckets differ by zone.
 * Legs 1 and 5 start at the same instant, to exercise paging on equal started_at.
 *
 * Carriers (issue #17), both charging in USD: acme carried legs 1, 2, 5 and 7, zeta the
 * unanswered legs 3 and 6, and leg 4 went out through no carrier. Leg 5's cost cannot count
 * against Beta's EUR price, nor leg 7's against no price at all: those are `uncosted`.
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
  carrier: { name: string; costMinor: number } | null,
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
    carrier: carrier?.name ?? null,
    carrierCostMinor: carrier?.costMinor ?? null,
    carrierCurrency: carrier ? 'USD' : null,
  };
}

const acme = (costMinor: number) => ({ name: 'acme', costMinor });
const zeta = { name: 'zeta', costMinor: 0 };

export const LEGS: readonly ReportCdr[] = [
  leg(ALPHA, '+4930111', '49', '2026-03-01T10:00:00Z', 120, 30, acme(18)),
  leg(ALPHA, '+4930222', '49', '2026-03-01T23:30:00Z', 45, 12, acme(7)),
  leg(ALPHA, '+441234', '44', '2026-03-02T09:00:00Z', 0, 0, zeta),
  leg(ALPHA, '+15551234', '1', '2026-04-01T12:00:00Z', 60, 8, null),
  leg(BETA, '+4930333', '49', '2026-03-01T10:00:00Z', 30, 5, acme(3)),
  leg(BETA, '+4989444', '49', '2026-03-15T08:00:00Z', 0, 0, zeta),
  leg(null, '+4930555', null, '2026-03-03T10:00:00Z', 10, 0, acme(2)),
];

/** The integer sums of a line, which the hand computation gives exactly. */
export function sums(line: { calls: number; answered: number; billsec: number; revenueMinor: number }): [number, number, number, number] {
  return [line.calls, line.answered, line.billsec, line.revenueMinor];
}

/** The carrier side of a line: cost, margin and the answered legs whose cost is not in its currency. */
export function margins(line: { costMinor: number; marginMinor: number; uncosted: number }): [number, number, number] {
  return [line.costMinor, line.marginMinor, line.uncosted];
}
