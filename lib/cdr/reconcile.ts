/**
 * B4: what to do with FreeSWITCH's CDR of a leg, given what we recorded of that leg. Pure: the
 * receiver (receiver.ts) reads our side, asks here, and carries the decision out.
 */

/** FreeSWITCH's word on how the leg ended. */
export interface ReportedEnd {
  readonly billsec: number;
  readonly hangupCause: string;
}

/** Our side: the leg's row, and its settled CDR (`cdrs`) when there is one. */
export interface OurLeg {
  readonly endedAt: number | null;
  readonly billsec: number | null;
  readonly hangupCause: string | null;
}

export interface OurSettlement {
  readonly billsec: number;
  readonly hangupCause: string | null;
  /** The settlement was estimated (the end was never reported to us), so it may well differ. */
  readonly estimated: boolean;
}

export interface Difference {
  readonly field: 'billsec' | 'hangup_cause';
  readonly ours: number | string | null;
  readonly freeswitch: number | string;
}

export type Decision =
  /** Not a leg of ours (an access-number call, another system's channel): kept, nothing to do. */
  | { readonly action: 'unknown_leg' }
  /** Our leg never recorded an end (the controller was down, or the event was lost): rate and settle it now. */
  | { readonly action: 'settle' }
  | { readonly action: 'agrees' }
  /** We settled the leg from an estimate and FreeSWITCH's figures differ: correct it to them (the money too). */
  | { readonly action: 'correct'; readonly differences: readonly Difference[] }
  /** We settled the leg from what we saw, and FreeSWITCH disagrees: recorded for the operator, no money moves. */
  | { readonly action: 'discrepancy'; readonly differences: readonly Difference[]; readonly estimated: boolean };

export function reconcile(reported: ReportedEnd, leg: OurLeg | null, settled: OurSettlement | null): Decision {
  if (!leg && !settled) return { action: 'unknown_leg' };
  if (!settled && leg && leg.endedAt === null) return { action: 'settle' };
  const ours = settled ?? { billsec: leg?.billsec ?? null, hangupCause: leg?.hangupCause ?? null, estimated: false };
  const differences: Difference[] = [];
  if (ours.billsec !== reported.billsec) differences.push({ field: 'billsec', ours: ours.billsec, freeswitch: reported.billsec });
  if (ours.hangupCause !== reported.hangupCause) differences.push({ field: 'hangup_cause', ours: ours.hangupCause, freeswitch: reported.hangupCause });
  if (differences.length === 0) return { action: 'agrees' };
  return ours.estimated ? { action: 'correct', differences } : { action: 'discrepancy', differences, estimated: false };
}
