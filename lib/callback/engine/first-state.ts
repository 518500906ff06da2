import type { CallbackSettings } from '../../config/schema';
import type { CallbackRequest } from '../../store/callback-requests';
import { decide } from '../state/decide';

/**
 * The state a due request's first attempt enters: what the scheduler's claim moves it to, and
 * what an order dialed at once is inserted in. decide's own answer to `due`, so that the row and
 * the runner that starts from it (`begin`) agree.
 */
export function firstStateOf(settings: CallbackSettings, request: Pick<CallbackRequest, 'mode' | 'destination'>, now: number): string {
  return decide('queued', { type: 'due' }, {
    mode: request.mode,
    destination: request.destination,
    attempt: 1,
    now,
    retry: { maxRetries: settings.maxRetries, retryIntervalSeconds: settings.retryIntervalSeconds },
    ivr: { busyIvr: null, failedIvr: null, askAgainOnFailure: false },
    askAgainAfterTalk: false,
    talked: false,
  }).to;
}
