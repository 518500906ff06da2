/**
 * B6 statistics. A report counts call legs (one CDR each, B4), not callback requests: ASR and
 * ACD are what carriers and operators measure per leg, and a callback's two legs go to different
 * destinations anyway.
 *
 * Money: `revenueMinor` is what the accounts were charged (cdrs.cost_minor). The store keeps no
 * carrier cost per leg, so there is no cost or margin column: that needs a carrier rate per
 * gateway first.
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
  costMinor: number;
}

export const DIMENSIONS = ['account', 'destination', 'period'] as const;
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
  /** Money of different currencies is never added up, so it is always part of the key. */
  currency: string | null;
}

export interface ReportLine extends GroupKey {
  calls: number;
  answered: number;
  /** Sum of billsec. */
  billsec: number;
  revenueMinor: number;
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
