/**
 * What the scheduler needs from a queue of timed dial jobs. Two implementations: an in-process
 * one for the embedded mode (memory-dial-queue) and BullMQ on Redis (bull-dial-queue).
 *
 * A queue is only a wake-up service: it may lose jobs (restart, Redis flush) or run one twice
 * (stalled worker, sweep plus original). The SQL row is the truth, the sweep re-enqueues what was
 * lost and the dispatcher's compare-and-set claim drops what runs twice.
 */
export type DialHandler = (requestId: string) => Promise<void>;

export interface QueueCounts {
  /** Due now, waiting for a free worker slot or the rate limit. */
  waiting: number;
  /** Not yet due. */
  delayed: number;
  /** Running the handler. */
  active: number;
  /** The handler threw; kept for inspection (O6), not retried by the queue: the sweep re-enqueues. */
  failed: number;
}

/** At most `max` jobs start per `durationMs` (BullMQ limiter semantics). */
export interface RateLimit {
  max: number;
  durationMs: number;
}

/** A request and the time its job is due. */
export interface DueJob {
  id: string;
  dueAt: number;
}

export interface DialQueue {
  /**
   * Makes sure the request has a job due at `dueAt`. Idempotent per (request, due time); a
   * different due time replaces the request's earlier job (a retry or a reschedule).
   */
  enqueue(requestId: string, dueAt: number): Promise<void>;
  /**
   * enqueue() for a page of due rows (the sweep's walk). A queue may skip a request whose job for
   * that due time it knows to be there still, which is what keeps a sweep over a minute of due
   * rows from costing a round trip per row. Returns how many rows it did not skip (new jobs).
   */
  enqueueMany(due: readonly DueJob[]): Promise<number>;
  /**
   * Calls `listener` whenever the queue may have lost jobs it held (its store reachable again
   * after an outage, perhaps restarted empty), so that a sweep gives the due rows their jobs back
   * at once rather than at its next period. A queue that cannot lose jobs while it runs has none.
   */
  onJobsMayBeLost?(listener: () => void): void;
  /** Forgets the request's job; one already running is left to finish. */
  remove(requestId: string): Promise<void>;
  /** Starts running due jobs through `handler`. */
  start(handler: DialHandler): Promise<void>;
  /** Stops taking jobs and waits for running handlers; queued jobs stay (Redis) or are lost (memory). */
  stop(): Promise<void>;
  counts(): Promise<QueueCounts>;
}

/**
 * One job per (request, due time): a retry is a new job, a duplicate enqueue is the same one.
 * BullMQ forbids ':' and all-digit custom ids; a UUID and a dash avoid both.
 */
export function jobIdFor(requestId: string, dueAt: number): string {
  return `${requestId}-${Math.trunc(dueAt)}`;
}
