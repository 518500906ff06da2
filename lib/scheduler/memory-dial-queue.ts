import type { Logger } from '../log/logger';
import type { Clock, TimerHandle } from '../time/clock';
import { jobIdFor, type DialHandler, type DialQueue, type DueJob, type QueueCounts, type RateLimit } from './dial-queue';
import { RateWindow } from './rate-window';

export interface MemoryDialQueueOptions {
  clock: Clock;
  logger: Logger;
  /** Handlers running at once (default 10). */
  concurrency?: number;
  rateLimit?: RateLimit | null;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

interface Job {
  requestId: string;
  key: string;
  timer: TimerHandle | null;
}

/**
 * The embedded mode's queue: timers on the injected clock, nothing persisted. What it holds dies
 * with the process; the scheduler's start-up sweep rebuilds it from SQL, which is why that is
 * enough for "restart the process: due requests still fire".
 */
export class MemoryDialQueue implements DialQueue {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly concurrency: number;
  private readonly rate: RateWindow;
  /** The one job per request that has not started yet (delayed or waiting). */
  private readonly queued = new Map<string, Job>();
  private waiting: Job[] = [];
  private readonly active = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private failed = 0;
  private handler: DialHandler | null = null;
  private rateTimer: TimerHandle | null = null;
  private stopped = false;

  constructor(options: MemoryDialQueueOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.concurrency = Math.max(1, options.concurrency ?? 10);
    this.rate = new RateWindow(options.rateLimit ?? null);
  }

  enqueue(requestId: string, dueAt: number): Promise<void> {
    this.add(requestId, dueAt);
    return Promise.resolve();
  }

  enqueueMany(due: readonly DueJob[]): Promise<number> {
    return Promise.resolve(due.filter((job) => this.add(job.id, job.dueAt)).length);
  }

  remove(requestId: string): Promise<void> {
    this.discard(requestId);
    return Promise.resolve();
  }

  start(handler: DialHandler): Promise<void> {
    this.handler = handler;
    this.pump();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const requestId of [...this.queued.keys()]) this.discard(requestId);
    this.rateTimer?.cancel();
    this.rateTimer = null;
    await Promise.all([...this.running]);
  }

  counts(): Promise<QueueCounts> {
    return Promise.resolve({
      waiting: this.waiting.length,
      delayed: this.queued.size - this.waiting.length,
      active: this.active.size,
      failed: this.failed,
    });
  }

  /** False when the job is there already (or the queue stopped). */
  private add(requestId: string, dueAt: number): boolean {
    if (this.stopped) return false;
    const key = jobIdFor(requestId, dueAt);
    // Same rule as a BullMQ custom job id: a job that exists, even running, is not added twice.
    if (this.active.has(key) || this.queued.get(requestId)?.key === key) return false;
    this.discard(requestId);
    const job: Job = { requestId, key, timer: null };
    this.queued.set(requestId, job);
    this.arm(job, dueAt);
    return true;
  }

  private discard(requestId: string): void {
    const job = this.queued.get(requestId);
    if (!job) return;
    job.timer?.cancel();
    this.queued.delete(requestId);
    this.waiting = this.waiting.filter((other) => other !== job);
  }

  /** Node fires a timer of more than MAX_TIMER_MS at once, so a far due time takes several. */
  private arm(job: Job, dueAt: number): void {
    const delay = dueAt - this.clock.now();
    if (delay <= 0) {
      this.makeWaiting(job);
      return;
    }
    job.timer = this.clock.setTimeout(() => {
      job.timer = null;
      this.arm(job, dueAt);
    }, Math.min(delay, MAX_TIMER_MS));
  }

  private makeWaiting(job: Job): void {
    this.waiting.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.handler && !this.stopped && this.rateTimer === null && this.active.size < this.concurrency && this.waiting.length > 0) {
      const wait = this.rate.take(this.clock.now());
      if (wait > 0) {
        this.rateTimer = this.clock.setTimeout(() => {
          this.rateTimer = null;
          this.pump();
        }, wait);
        return;
      }
      const job = this.waiting.shift();
      if (job) this.run(job, this.handler);
    }
  }

  private run(job: Job, handler: DialHandler): void {
    this.queued.delete(job.requestId);
    this.active.add(job.key);
    const done = Promise.resolve()
      .then(() => handler(job.requestId))
      .catch((error: unknown) => {
        this.failed += 1;
        this.logger.error('dial job failed; the next sweep re-enqueues the request if it is still due', {
          requestId: job.requestId,
          error,
        });
      })
      .finally(() => {
        this.active.delete(job.key);
        this.running.delete(done);
        this.pump();
      });
    this.running.add(done);
  }
}
