import type { LegChange, RequestChange } from '../../callback/engine/events';

/** What travels between instances and to the streams: an engine change with its owner attached. */
export type LiveEvent =
  | { readonly kind: 'leg'; readonly accountId: number; readonly requestId: string; readonly change: LegChange }
  | { readonly kind: 'request'; readonly accountId: number; readonly requestId: string; readonly change: RequestChange };

/** The public body of a leg event (W3 words). */
export function legPayload(change: LegChange): Record<string, unknown> {
  return {
    requestId: change.requestId,
    leg: change.role,
    legUuid: change.legUuid,
    attempt: change.attempt,
    status: change.status,
    cause: change.cause,
    at: change.at,
  };
}

export function requestPayload(change: RequestChange): Record<string, unknown> {
  return { requestId: change.requestId, state: change.to, from: change.from, event: change.event, cause: change.cause, at: change.at };
}

export function isLiveEvent(value: unknown): value is LiveEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (v.kind === 'leg' || v.kind === 'request') && typeof v.accountId === 'number' && typeof v.requestId === 'string' && typeof v.change === 'object' && v.change !== null;
}
