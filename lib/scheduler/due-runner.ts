import type { Clock, TimerHandle } from '../time/clock';

/** A dial job as the runner sees it: its request, its queue id and when it is due. */
export interface RunnerJob {
  readonly requestId: string;
  readonly jobId: string;
  readonly dueAt: number;
}

/**
 * Runs dial jobs through at most `concurrency` handlers at once: a due job as soon as a handler is
 * free, a job handed over before its due time (`hold`) at that time on the clock. Holding in
 * process is what makes the due time exact: a timer here fires within the event loop's delay,
 * while a queue that wakes its worker for each delayed job is as late as its wake-up (BullMQ on
 * Redis 7.0 at its default `hz` 10: up to 100 ms a wake, and a lump of due jobs handed out one
 * round trip at a time behind it).
 */
export class DueRunner {
  private readonly held = new Map<string, { readonly job: RunnerJob; readonly timer: TimerHandle }>();
  /** Jobs due, waiting for a free handler, in the order they came due. */
  private readonly ready: (() => void)[] = [];
  /** Jobs waiting for a handler or running, by id: how many runs of each (the same job may be handed over twice). */
  private readonly inHand = new Map<string, number>();
  private running = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly concurrency: number,
    private readonly handler: (job: RunnerJob) => Promise<void>,
    /** A held job's handler failed: no caller is left to tell. */
    private readonly onHeldFailure: (job: RunnerJob, error: unknown) => void,
  ) {}

  /** Jobs held for their due time. */
  get holding(): number {
    return this.held.size;
  }

  /**
   * Whether this runner has the job: held for its due time, waiting for a handler, or running. A
   * job it holds has ended in the queue already, so only this says it is still coming.
   */
  has(jobId: string): boolean {
    return this.held.has(jobId) || this.inHand.has(jobId);
  }

  /** Runs `job` now, or once a handler is free; settles as its handler does. */
  run(job: RunnerJob): Promise<void> {
    this.inHand.set(job.jobId, (this.inHand.get(job.jobId) ?? 0) + 1);
    return new Promise<void>((resolve, reject) => {
      this.ready.push(() => {
        this.running += 1;
        this.handler(job)
          .then(resolve, reject)
          .finally(() => {
            this.running -= 1;
            this.letGo(job.jobId);
            this.next();
          });
      });
      this.next();
    });
  }

  private letGo(jobId: string): void {
    const runs = this.inHand.get(jobId) ?? 0;
    if (runs > 1) this.inHand.set(jobId, runs - 1);
    else this.inHand.delete(jobId);
  }

  /** Runs `job` at its due time (at once when it is due already); a job held already is not held twice. */
  hold(job: RunnerJob): void {
    if (!this.held.has(job.jobId)) this.arm(job);
  }

  private arm(job: RunnerJob): void {
    const timer = this.clock.setTimeout(() => {
      // Node's timers run on a monotonic clock and may fire a millisecond before the wall clock
      // says due; the claim would then refuse the row as not yet due and drop its only job.
      if (this.clock.now() < job.dueAt) {
        this.arm(job);
        return;
      }
      this.held.delete(job.jobId);
      this.run(job).catch((error: unknown) => this.onHeldFailure(job, error));
    }, job.dueAt - this.clock.now());
    this.held.set(job.jobId, { job, timer });
  }

  /** Forgets a held job (removed or replaced in the queue); false when it was not held. */
  drop(jobId: string): boolean {
    const held = this.held.get(jobId);
    if (!held) return false;
    held.timer.cancel();
    this.held.delete(jobId);
    return true;
  }

  /** Cancels every hold and returns those jobs, then waits for the due and running ones. */
  async stop(): Promise<RunnerJob[]> {
    const unstarted = [...this.held.values()].map(({ job, timer }) => {
      timer.cancel();
      return job;
    });
    this.held.clear();
    if (this.running > 0 || this.ready.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    return unstarted;
  }

  private next(): void {
    while (this.running < this.concurrency && this.ready.length > 0) this.ready.shift()?.();
    if (this.running > 0 || this.ready.length > 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}
