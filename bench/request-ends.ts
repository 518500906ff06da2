import type { CallbackEngine, RequestChange } from '../lib/callback/engine';
import { FINAL_STATES } from '../lib/callback/state/request-state';
import { withTimeout } from './stats';

const FINAL: ReadonlySet<string> = new Set(FINAL_STATES);

/**
 * When each request reaches its final state, told by the engine's events rather than by polling,
 * whose timers' wake-ups a script would count as the callbacks' CPU. Attach before ordering.
 */
export function requestEnds(engine: Pick<CallbackEngine, 'on'>, timeoutMs = 30_000): (requestId: string) => Promise<void> {
  const ended = new Set<string>();
  const waiting = new Map<string, () => void>();
  engine.on('request', (change: RequestChange) => {
    if (!FINAL.has(change.to)) return;
    ended.add(change.requestId);
    waiting.get(change.requestId)?.();
  });
  return (requestId) =>
    ended.has(requestId)
      ? Promise.resolve()
      : withTimeout(new Promise<void>((resolve) => waiting.set(requestId, resolve)), timeoutMs, `request ${requestId} ended`).finally(() => waiting.delete(requestId));
}
