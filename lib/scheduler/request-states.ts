import type { CallbackRequest } from '../store/callback-requests';
import { CALL_IN_PROGRESS_STATES, DUE_REQUEST_STATES } from '../callback/state/request-state';

/** Waiting for their due time: what the sweep enqueues and the dispatcher claims. */
export const DUE_STATES: readonly string[] = DUE_REQUEST_STATES;

/**
 * An instance is working on these (a call exists or is being set up); one whose lease ran out
 * belongs to an instance that died, and is recovered by the sweep.
 */
export const ACTIVE_STATES: readonly string[] = CALL_IN_PROGRESS_STATES;

/** The state a claimed request enters: its first call attempt (C1), or both legs at once (C5). */
export function firstActiveState(request: CallbackRequest): string {
  return request.mode === 'simultaneous' ? 'dialing_both' : 'dialing_a';
}

/** last_cause of a request whose controller died mid-dial and that nobody could reconcile. */
export const CONTROLLER_LOST = 'CONTROLLER_LOST';
/** last_cause of a request that waited past its maximum age (the system was down, or saturated). */
export const SCHEDULE_EXPIRED = 'SCHEDULE_EXPIRED';
