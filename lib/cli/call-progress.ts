import { isFinalState, isRequestState } from '../callback/state/request-state';
import type { CallbackRequest, Leg } from '../store';

/** What `test-call --wait` watches: the request's state and each leg's, as SQL has them. */
export interface CallSnapshot {
  state: string;
  lastCause: string | null;
  legs: ReadonlyArray<Pick<Leg, 'uuid' | 'role' | 'attempt' | 'number' | 'state' | 'hangupCause'>>;
}

export function snapshotOf(request: CallbackRequest, legs: readonly Leg[]): CallSnapshot {
  return { state: request.state, lastCause: request.lastCause, legs };
}

/**
 * The lines that tell an operator what changed between two looks at a call, one per change:
 * `+4 s  leg A1 +14155550100 ringing`, `+9 s  request bridged`. Pure, so what a poll prints is
 * decided by the two snapshots alone.
 */
export function progressLines(previous: CallSnapshot | undefined, current: CallSnapshot, elapsedMs: number): string[] {
  const at = `+${Math.floor(elapsedMs / 1000)} s`;
  const lines: string[] = [];
  if (previous?.state !== current.state) lines.push(`${at}  request ${current.state}${current.lastCause && showsCause(current.state) ? ` (${current.lastCause})` : ''}`);
  for (const leg of current.legs) {
    const before = previous?.legs.find((known) => known.uuid === leg.uuid);
    if (before?.state === leg.state) continue;
    lines.push(`${at}  leg ${leg.role}${leg.attempt} ${leg.number} ${leg.state}${leg.hangupCause ? ` (${leg.hangupCause})` : ''}`);
  }
  return lines;
}

/** A cause explains a retry or an end; on a request still calling it is the previous attempt's. */
function showsCause(state: string): boolean {
  return state === 'retry_scheduled' || (isRequestState(state) && isFinalState(state));
}
