/**
 * B6 statistics. A report counts call legs (one CDR each, B4), not callback requests: ASR and
 * ACD are what carriers and operators measure per leg, and a callback's two legs go to different
 * destinations anyway.
 *
 * Money: `revenueMinor` is what the accounts were charged (cdrs.cost_minor), `costMinor` what the
 * carriers charge us for the same legs (cdrs.carrier_cost_minor, issue #17) and `marginMinor` the
 * difference. A carrier's cost is in the carrier's currency: it is counted only in lines of that
 * currency, and a leg whose cost is unknown there (no carrier, no buy rate, another currency) is
 * counted in `uncosted`, so a margin is never silently flattered.
 */

/** The part of a CDR (and of its account) that reports read. */
export interface ReportCdr {
  accountId: number | null;
  accountName: string | null;
  /** The account's currency; null for a leg nobody paid for (no account). */
  currency: string | null;
  /** The dialled number: E.164, or an extension. */
  number: string;
  /** The tariff prefix the leg was rated with, when it was rated. */
  ratePrefix: string | null;
  startedAt: number;
  answeredAt: number | null;
  billsec: number;
  /** The price: what the payer was charged. */
  costMinor: number;
  /** The carrier's name; null for a leg that went out through no carrier. */
  carrier: string | null;
  /** What the carrier charges, in carrierCurrency; null when unknown. */
  carrierCostMinor: number | null;
  carrierCurrency: string | null;
}

export const DIMENSIONS = ['account', 'destination', 'period', 'carrier'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const PERIODS = ['hour', 'day', 'month'] as const;
export type Period = (typeof PERIODS)[number];

export interface Grouping {
  /** In this order; empty: one total per currency. */
  by: readonly Dimension[];
  period: Period;
  /** IANA zone in which days and months begin. */
  timeZone: string;
  /** Destination = the first N digits of the number; null: the rate prefix stored on the CDR. */
  destinationDigits: number | null;
}

export interface CdrFilter {
  /** started_at >= from (epoch ms) */
  from?: number;
  /** started_at < to (epoch ms) */
  to?: number;
  accountId?: number;
}

/** What a group is keyed by; only the dimensions asked for are set. */
export interface GroupKey {
  account?: { id: number | null; name: string | null };
  destination?: string;
  period?: string;
  /** The carrier's name; null: legs through no carrier. */
  carrier?: string | null;
  /** Money of different currencies is never added up, so it is always part of the key. */
  currency: string | null;
}

export interface ReportLine extends GroupKey {
  calls: number;
  answered: number;
  /** Sum of billsec. */
  billsec: number;
  revenueMinor: number;
  /** What the carriers charge for these legs, in this line's currency. */
  costMinor: number;
  /** revenueMinor − costMinor. */
  marginMinor: number;
  /** Answered legs whose carrier cost is not known in this line's currency (not in costMinor). */
  uncosted: number;
  /** answered / calls. */
  asr: number;
  /** billsec / answered, in seconds; null without an answered leg. */
  acdSeconds: number | null;
  /** billsec / 60. */
  minutes: number;
}

export interface Report {
  grouping: Grouping;
  filter: CdrFilter;
  lines: ReportLine[];
  /** One line per currency over everything in the report. */
  totals: ReportLine[];
}
