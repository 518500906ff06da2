import type { LegState } from './leg-state';

/**
 * The per-leg words of W3 (live status over SSE/WebSocket and status webhooks). They are part of
 * the public API, hence the hyphen in `no-answer` where the internal state has an underscore.
 * `queued` is for a leg not dialed yet (the legs table's default state, and leg A of a request
 * waiting for its first attempt or a retry).
 */
export const LIVE_STATUSES = ['queued', 'dialing', 'ringing', 'answered', 'busy', 'no-answer', 'failed', 'bridged', 'completed'] as const;
export type LiveStatus = (typeof LIVE_STATUSES)[number];

/*
 * A cancelled leg was ended on purpose (by a cancel, or because the other party left), which the
 * subscriber should not read as an error: it shows as ended.
 */
const LIVE_STATUS_OF: { readonly [S in LegState]: LiveStatus } = {
  dialing: 'dialing',
  ringing: 'ringing',
  answered: 'answered',
  bridged: 'bridged',
  completed: 'completed',
  busy: 'busy',
  no_answer: 'no-answer',
  failed: 'failed',
  cancelled: 'completed',
};

export function liveStatusOf(state: LegState): LiveStatus {
  return LIVE_STATUS_OF[state];
}
