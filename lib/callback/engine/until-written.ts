import { backoffDelay, type BackoffPolicy } from '../../esl/backoff';
import { isDatabaseUnavailable } from '../../store/sql-errors';
import type { Clock } from '../../time/clock';

/**
 * Writes that must land even if the database is away for a while: a leg's settlement (its CDR and
 * its money), a request's state move, a leg's row, a hold made while a call is set up. The call
 * they describe happened on the switch whatever the database says, so giving up would lose a CDR
 * or leave a request stuck; failing the call instead would cut a talk (or drop a caller waiting
 * for B) because of a write. Each write is one transaction (or one compare-and-set) that either
 * ran or rolled back, the settlement is unique per leg and a hold carries a key chosen before the
 * first try (a try that committed unseen is found by it), so running it again is safe. The reads
 * a call's setup needs (prices, funds) wait the same way: reading twice is harmless.
 *
 * Jitter spreads the retries of many legs over the interval, so that a database coming back is
 * not hit by all of them at once.
 */
export const DEFAULT_WRITE_RETRY: BackoffPolicy = { initialMs: 250, maxMs: 5_000, factor: 2, jitter: 0.3 };

export interface UntilWrittenOptions {
  clock: Clock;
  policy?: BackoffPolicy;
  random?: () => number;
  /** Which failures are worth waiting out; others are thrown at once (default: the database is unavailable). */
  retryable?: (error: unknown) => boolean;
  /** How a backoff is awaited: the engine marks it as waiting, not working (WorkTracker.waitFor). */
  wait?: (delay: Promise<void>) => Promise<void>;
  /** Told before each wait (for a log line). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** The wait before retry number `attempt` (0 for the first): pure, so it is tested on its own. */
export function writeRetryDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  return backoffDelay(policy, attempt, random);
}

/**
 * `context` for work a client is waiting on (an order being written): its `untilWritten` runs the
 * work once, so that an outage fails it at once (the API answers 503, nothing changed) instead of
 * holding the client's request until the database is back.
 */
export function whileClientWaits<Context extends { readonly untilWritten: <T>(what: string, work: () => Promise<T>) => Promise<T> }>(context: Context): Context {
  return { ...context, untilWritten: runOnce };
}

function runOnce<T>(_what: string, work: () => Promise<T>): Promise<T> {
  return work();
}

/** Runs `work` until it succeeds or fails for a reason waiting would not fix. */
export async function untilWritten<T>(work: () => Promise<T>, options: UntilWrittenOptions): Promise<T> {
  const policy = options.policy ?? DEFAULT_WRITE_RETRY;
  const random = options.random ?? Math.random;
  const retryable = options.retryable ?? isDatabaseUnavailable;
  const wait = options.wait ?? ((delay: Promise<void>) => delay);
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!retryable(error)) throw error;
      const delayMs = writeRetryDelay(policy, attempt, random);
      options.onRetry?.(error, attempt + 1, delayMs);
      await wait(new Promise<void>((resolve) => options.clock.setTimeout(resolve, delayMs)));
    }
  }
}
