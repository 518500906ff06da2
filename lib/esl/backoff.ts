/**
 * Reconnect delays: exponential so a dead node is not hammered, with jitter so a fleet of
 * controllers does not reconnect in lockstep after a FreeSWITCH restart.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Up to this fraction of each delay is taken off at random (0 = none, 1 = "full jitter"). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 30_000, factor: 2, jitter: 0.5 };

/** The delay before reconnect attempt number `attempt` (0 for the first retry). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  const jitter = Math.min(1, Math.max(0, policy.jitter)) * Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.round(base * (1 - jitter)));
}
