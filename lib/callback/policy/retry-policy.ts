import { isRetryableCause, type HangupCause } from '../../esl/hangup-causes';
import { assertNever } from '../state/assert-never';
import { legOutcomeForCause } from '../state/leg-state';

/**
 * C1: whether, and when, leg A is dialed again after an attempt that was not answered.
 *
 * Which causes are retried:
 *   - busy and no answer, always (C1 names them; this includes FreeSWITCH's own ring timeouts
 *     ALLOTTED_TIMEOUT and NO_PICKUP, which `isRetryableCause` does not list);
 *   - other failures only when `isRetryableCause` says the network was at fault (congestion,
 *     temporary failure, GATEWAY_DOWN, …);
 *   - never a deliberate end (ORIGINATOR_CANCEL, LOSE_RACE, …), nor a cause that will be the same
 *     next time: UNALLOCATED_NUMBER, NO_ROUTE_*, INVALID_NUMBER_FORMAT, CALL_REJECTED (the
 *     subscriber refused the callback), barred calls, and INVALID_GATEWAY, which is an operator's
 *     configuration error that retrying would only repeat, nor an extension that is not in the
 *     node's directory (SUBSCRIBER_ABSENT on a `user/` leg, see LegATarget).
 *
 * Counting: `maxRetries` is the number of attempts after the first, so a request is dialed at
 * most 1 + maxRetries times (the store's `maxAttempts`, see maxAttemptsFor).
 */
export type Backoff =
  /** Every retry waits retryIntervalSeconds (the default, as the O3 "retry time" setting reads). */
  | { readonly kind: 'fixed' }
  /** Retry n waits n × retryIntervalSeconds, at most maxSeconds. */
  | { readonly kind: 'linear'; readonly maxSeconds: number }
  /** Retry n waits retryIntervalSeconds × factor^(n-1), at most maxSeconds. */
  | { readonly kind: 'exponential'; readonly factor: number; readonly maxSeconds: number };

export interface RetrySettings {
  readonly maxRetries: number;
  readonly retryIntervalSeconds: number;
  readonly backoff?: Backoff;
}

/**
 * What leg A dials: a number through a carrier, or a user in the node's directory (call_extension).
 * FreeSWITCH 1.10.12 fails `user/<ext>@<domain>` with SUBSCRIBER_ABSENT when the directory has no
 * such user (docs/extension-legs.md): for an extension that is a configuration error that every
 * retry would repeat, not a phone switched off, so it is not retried. USER_NOT_REGISTERED (the
 * user exists, its phone is not registered now) is retried like a phone switched off.
 */
export type LegATarget = 'number' | 'extension';

export interface RetryInput extends RetrySettings {
  /** Attempts at leg A made so far, counting the one that just failed (1 after the first). */
  readonly attempt: number;
  readonly cause: HangupCause;
  /** Epoch milliseconds. */
  readonly now: number;
  /** Default: a number. */
  readonly legA?: LegATarget;
}

export type NoRetryReason = 'not_retryable' | 'retries_exhausted';

export type RetryDecision =
  | { readonly retry: true; readonly at: number; /** 1 for the first retry. */ readonly retryNumber: number }
  | { readonly retry: false; readonly reason: NoRetryReason };

/** Leg A called a user the node's directory does not have: an operator's error, so the request failed (not "no answer"). */
export function isMissingExtension(cause: HangupCause, legA: LegATarget): boolean {
  return legA === 'extension' && cause === 'SUBSCRIBER_ABSENT';
}

export function isRetryableLegACause(cause: HangupCause, legA: LegATarget = 'number'): boolean {
  if (isMissingExtension(cause, legA)) return false;
  const outcome = legOutcomeForCause(cause, false);
  switch (outcome) {
    case 'busy':
    case 'no_answer':
      return true;
    case 'failed':
      return isRetryableCause(cause);
    case 'cancelled':
      return false;
    default:
      return assertNever(outcome);
  }
}

export function retryDecision(input: RetryInput): RetryDecision {
  if (!Number.isInteger(input.attempt) || input.attempt < 1) throw new RangeError(`attempt must be an integer >= 1, got ${input.attempt}`);
  if (!Number.isInteger(input.maxRetries) || input.maxRetries < 0) throw new RangeError(`maxRetries must be an integer >= 0, got ${input.maxRetries}`);
  // The cause is checked first: "not retryable" says more than "out of retries" when both hold.
  if (!isRetryableLegACause(input.cause, input.legA)) return { retry: false, reason: 'not_retryable' };
  const retryNumber = input.attempt;
  if (retryNumber > input.maxRetries) return { retry: false, reason: 'retries_exhausted' };
  return { retry: true, at: input.now + retryDelaySeconds(input, retryNumber) * 1000, retryNumber };
}

/** The wait before retry number `retryNumber` (1-based). No jitter: retries are per request, not a fleet reconnecting. */
export function retryDelaySeconds(settings: RetrySettings, retryNumber: number): number {
  const interval = settings.retryIntervalSeconds;
  const backoff = settings.backoff ?? { kind: 'fixed' };
  switch (backoff.kind) {
    case 'fixed':
      return interval;
    case 'linear':
      return Math.min(backoff.maxSeconds, interval * retryNumber);
    case 'exponential':
      return Math.min(backoff.maxSeconds, interval * backoff.factor ** (retryNumber - 1));
    default:
      return assertNever(backoff);
  }
}

/** The store counts attempts (first one included), the settings count retries. */
export function maxAttemptsFor(maxRetries: number): number {
  return maxRetries + 1;
}
