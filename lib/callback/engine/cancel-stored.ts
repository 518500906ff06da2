import { isFinalState, isRequestState } from '../state/request-state';
import type { Store } from '../../store';

/**
 * W2: cancels a request through its row alone, for a request no runner of this process works
 * on: one another instance is calling (or the CLI, which runs none), or one still waiting.
 * Releasing the claim makes the owner's next lease renewal fail; it then reads the row, sees it
 * cancelled and ends its legs (RequestRunner.onLeaseLost). A waiting request's job finds the row
 * cancelled and does nothing. False when the request is unknown or already ended.
 */
export async function cancelStoredRequest(store: Pick<Store, 'callbackRequests'>, requestId: string): Promise<boolean> {
  const request = await store.callbackRequests.findById(requestId);
  if (!request || !isRequestState(request.state) || isFinalState(request.state)) return false;
  return store.callbackRequests.transition(requestId, request.state, 'cancelled', { lastCause: 'CANCELLED', release: true }, { expectedVersion: request.version });
}
