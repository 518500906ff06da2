import { parseHangupCause } from '../../esl/hangup-causes';
import type { LegEnd } from './leg-events';

/** FreeSWITCH's figures of a leg (a posted CDR, as received or as stored) as the end they report. */
export function reportedLegEnd(cdr: { hangupCause: string; billsec: number; startedAt: number | null; answeredAt: number | null; endedAt: number }): LegEnd {
  return {
    cause: parseHangupCause(cdr.hangupCause) ?? 'NORMAL_UNSPECIFIED',
    billsec: cdr.billsec,
    startedAt: cdr.startedAt,
    answeredAt: cdr.answeredAt,
    endedAt: cdr.endedAt,
    reported: true,
    source: 'json_cdr',
  };
}
