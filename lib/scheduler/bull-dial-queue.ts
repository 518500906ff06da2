import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../log/logger';
import type { Clock } from '../time/clock';
import { DueRunner, type RunnerJob } from './due-runner';
import { WriteBatcher } from './write-batcher';
import { jobIdFor, type DialHandler, type DialQueue, type DueJob, type QueueCounts, type RateLimit } from './dial-queue';

export interface BullDialQueueOptions {
  url: string;
  /** BullMQ key prefix: deployments (and test files) sharing one Redis never see each other's jobs. */
  prefix: string;
  clock: Clock;
  logger: Logger;
  queueName?: string;
  /** Handlers running at once in this process (default 10). */
  concurrency?: number;
  /**
   * Dispatch rate across every worker of the queue (BullMQ's limiter is global). Set it to the
   * sum of the FreeSWITCH nodes' maxCps so that due calls wait here rather than being refused
   * by the node pool.
   */
  rateLimit?: RateLimit | null;
  /** Failed jobs kept for inspection (default 1000, and at most a week). */
  keepFailed?: number;
  /**
   * How long before its due time a job is handed to this process, which holds it until then
   * (default 2 s; 0: BullMQ times it). Always 0 with a `rateLimit`: the limiter paces the jobs'
   * hand-over, and jobs held to one due time would start together past it.
   */
  fetchAheadMs?: number;
}

interface DialJobData {
  requestId: string;
  dueAt: number;
}

const jobDataSchema = z.object({ requestId: z.string().min(1), dueAt: z.number() });

const WEEK_S = 7 * 24 * 3600;
/** Per-row enqueues a sweep page runs at once (each is a few round trips on the producer connection). */
const ENQUEUES_AT_ONCE = 32;
/** How long stop() waits for a just-started worker to settle (see settleStart). */
const SETTLE_LIMIT_MS = 2000;
/**
 * The default hand-over ahead of the due time: more than BullMQ's hand-over lags behind a burst
 * of due jobs on a busy machine (0.5–0.9 s at 1,667 due/s in the bench), and little to lose with
 * the process (its held jobs are given jobs again by a sweep once due).
 */
const DEFAULT_FETCH_AHEAD_MS = 2000;

/** What HAS_ITS_JOB says of a row: its job is there. */
const HAS_IT = 0;
/** No job for this due time, and the index names no other: a new one is added. */
const MISSING = 1;
/** Another job to replace, or this one to promote or clear first: enqueue() sorts it out. */
const LOOK_CLOSER = 2;
const verdictsSchema = z.array(z.union([z.literal(HAS_IT), z.literal(MISSING), z.literal(LOOK_CLOSER)]));

/**
 * For each (request, job, due time) of ARGV (after the job key prefix, our clock's now and the
 * real now, by which BullMQ times delays): HAS_IT, MISSING or LOOK_CLOSER (see enqueueMany). A
 * delayed job's score is its time in ms times 0x1000 (BullMQ's getDelayedScore).
 * KEYS: the request index, BullMQ's delayed and failed sets.
 */
const HAS_ITS_JOB = `local prefix, now, realNow = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local verdicts = {}
for i = 4, #ARGV, 3 do
  local request, job, dueAt = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local indexed = redis.call('hget', KEYS[1], request)
  local verdict = ${HAS_IT}
  if indexed ~= job or dueAt <= now then
    if redis.call('exists', prefix .. job) == 0 then
      if indexed and indexed ~= job then verdict = ${LOOK_CLOSER} else verdict = ${MISSING} end
    elseif indexed ~= job or redis.call('zscore', KEYS[3], job) then
      verdict = ${LOOK_CLOSER}
    else
      local delayed = redis.call('zscore', KEYS[2], job)
      if delayed and math.floor(tonumber(delayed) / 4096) > realNow then verdict = ${LOOK_CLOSER} end
    end
  end
  verdicts[#verdicts + 1] = verdict
end
return verdicts`;

/**
 * Deletes each request's index entry (ARGV: request, job, request, job, ...) only if it still
 * names that job (a newer enqueue may have replaced it).
 */
const FORGET_IF_SAME = `local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('hget', KEYS[1], ARGV[i]) == ARGV[i + 1] then n = n + redis.call('hdel', KEYS[1], ARGV[i]) end
end
return n`;

/**
 * Dial jobs as BullMQ delayed jobs. Job ids are (request, due time), so a duplicate enqueue is a
 * no-op and a retry is a new job; a small hash maps each request to its current job, so that a
 * new due time (or a cancel) can remove the old one.
 *
 * Connections: producer commands fail after a few reconnect attempts instead of waiting for Redis
 * forever (the caller logs, and the sweep enqueues later from SQL), while the worker's connection
 * retries indefinitely (`maxRetriesPerRequest: null`, as BullMQ requires) and picks up again when
 * Redis comes back. Neither pipelines by itself (ioredis `enableAutoPipelining`): it cut write
 * syscalls per dialed job from about 5 to 1, but holds each command until the pipeline in flight
 * is answered, and 16 callers enqueueing one after another managed 30 % fewer jobs a second.
 */
export class BullDialQueue implements DialQueue {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly options: BullDialQueueOptions;
  private readonly name: string;
  private readonly producer: Redis;
  private readonly queue: Queue<DialJobData>;
  private readonly indexKey: string;
  private workerConnection: Redis | null = null;
  private worker: Worker<DialJobData> | null = null;
  private runner: DueRunner | null = null;
  private readonly fetchAheadMs: number;
  private stopping: Promise<void> | null = null;
  private readonly lossListeners: (() => void)[] = [];
  /** Jobs may have been lost before any listener was there to hear it. */
  private lossUntold = false;
  /** Ended jobs whose index entries go, many per round trip (one per job was a third of a dispatch's Redis trips). */
  private readonly endedJobs: WriteBatcher<readonly [requestId: string, jobId: string]>;

  constructor(options: BullDialQueueOptions) {
    this.options = options;
    this.clock = options.clock;
    this.logger = options.logger;
    this.name = options.queueName ?? 'dial';
    this.indexKey = `${options.prefix}:${this.name}:request-jobs`;
    this.fetchAheadMs = options.rateLimit ? 0 : Math.max(0, options.fetchAheadMs ?? DEFAULT_FETCH_AHEAD_MS);
    this.producer = new Redis(options.url, { maxRetriesPerRequest: 3, connectionName: `${options.prefix}:${this.name}:producer` });
    this.producer.on('error', (error: Error) => this.logger.warn('redis (dial queue producer) error', { error: error.message }));
    // A connection closed, or never opened (Redis down when the process started): the jobs of due
    // rows may be gone (Redis restarted empty) or were never added (enqueues failed meanwhile).
    let interrupted = false;
    this.producer.on('close', () => {
      interrupted = true;
    });
    this.producer.on('ready', () => {
      if (!interrupted) return;
      interrupted = false;
      this.logger.info('redis (dial queue producer) reachable again; due rows get their jobs back now');
      this.tellJobsMayBeLost();
    });
    this.queue = new Queue<DialJobData>(this.name, {
      connection: this.producer,
      prefix: options.prefix,
      defaultJobOptions: {
        // Gone once done, so that the sweep can add the same job id again if the row is still due.
        removeOnComplete: true,
        removeOnFail: { count: options.keepFailed ?? 1000, age: WEEK_S },
        // No queue-level retries: the row is still due after a failure and the sweep re-enqueues it.
        attempts: 1,
      },
    });
    this.queue.on('error', (error: Error) => this.logger.warn('dial queue error', { error: error.message }));
    this.endedJobs = new WriteBatcher(
      (ended) => this.forget(ended.flat()),
      (error, items) => this.logger.debug('ended jobs not cleared from the index; the sweep checks due rows itself', { items, error }),
    );
  }

  async enqueue(requestId: string, dueAt: number): Promise<void> {
    const jobId = jobIdFor(requestId, dueAt);
    // Both lookups at once: one round trip's wait instead of two.
    const [previous, existing] = await Promise.all([this.producer.hget(this.indexKey, requestId), this.queue.getJob(jobId)]);
    if (previous !== null && previous !== jobId) await this.discard(previous);
    if (existing) {
      const state = await existing.getState();
      if (state === 'completed' || state === 'failed') {
        // Kept only for inspection: clear it, or adding the same id again would be a silent no-op.
        await this.removeJob(existing);
      } else {
        // BullMQ times delays by the real clock; when ours says it is due, do not wait for that one.
        if (state === 'delayed' && dueAt <= this.clock.now()) await existing.promote().catch(() => undefined);
        await this.producer.hset(this.indexKey, requestId, jobId);
        return;
      }
    }
    const job = this.newJob({ id: requestId, dueAt });
    await this.queue.add(job.name, job.data, job.opts);
    await this.producer.hset(this.indexKey, requestId, jobId);
  }

  /**
   * The index names each request's current job, and an entry outlives its job only until the job
   * has ended and the batch forgetting it is written (a job failed by BullMQ's stall check: the
   * 'failed' listener). One script per page (HAS_ITS_JOB) tells which rows need anything: a row
   * not yet due whose entry names this due time's job has it (its job cannot have run), the bulk
   * of a walk; a row due already has it if the job is there, not failed, and not still delayed
   * past the real time (BullMQ promotes a delayed job whose time came by itself; one delayed
   * beyond it means our clock, not BullMQ's, says due). Rows without a job for their due time
   * and whose entry names no other (after a Redis flush or restart, or a crash between commit and
   * enqueue: nearly all that a sweep finds) are added together, one pipeline and one HSET; the
   * rest (a job to replace, promote or clear) take enqueue()'s path, a few at a time on the one
   * connection. A walk over a minute of due rows costs one round trip a page, and re-creating the
   * jobs Redis lost a few. Jobs this process holds are skipped first (below).
   */
  async enqueueMany(page: readonly DueJob[]): Promise<number> {
    // A job this process holds (DueRunner: handed over before its due time) has ended in BullMQ
    // already, and once due HAS_ITS_JOB would find it missing: the claim would drop the copy, but
    // it would cost a job and a claim. Only this process's runner is asked, so a crashed
    // process's held jobs (lost with it) are given new ones by any sweep.
    const runner = this.runner;
    const due = runner ? page.filter((job) => !runner.has(jobIdFor(job.id, job.dueAt))) : page;
    if (due.length === 0) return 0;
    const verdicts = await this.producer.eval(
      HAS_ITS_JOB,
      3,
      this.indexKey,
      this.queue.toKey('delayed'),
      this.queue.toKey('failed'),
      this.queue.toKey(''),
      this.clock.now(),
      // BullMQ's clock, not ours (see HAS_ITS_JOB).
      Date.now(),
      ...due.flatMap((job) => [job.id, jobIdFor(job.id, job.dueAt), job.dueAt]),
    );
    const verdict = verdictsSchema.parse(verdicts);
    const missing = due.filter((_, i) => verdict[i] === MISSING);
    const others = due.filter((_, i) => verdict[i] === LOOK_CLOSER);
    await this.addAll(missing);
    for (let i = 0; i < others.length; i += ENQUEUES_AT_ONCE) {
      await Promise.all(others.slice(i, i + ENQUEUES_AT_ONCE).map((job) => this.enqueue(job.id, job.dueAt)));
    }
    return missing.length + others.length;
  }

  /** New jobs for requests that have none (one pipeline), then their index entries (one HSET). */
  private async addAll(jobs: readonly DueJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(jobs.map((job) => this.newJob(job)));
    await this.producer.hset(this.indexKey, Object.fromEntries(jobs.map((job) => [job.id, jobIdFor(job.id, job.dueAt)])));
  }

  private newJob(job: DueJob): { name: string; data: DialJobData; opts: { jobId: string; delay: number } } {
    return { name: 'dial', data: { requestId: job.id, dueAt: job.dueAt }, opts: { jobId: jobIdFor(job.id, job.dueAt), delay: Math.max(0, job.dueAt - this.fetchAheadMs - this.clock.now()) } };
  }

  /** Also at once when Redis was reachable again before anyone listened (the scheduler listens after its start-up sweep). */
  onJobsMayBeLost(listener: () => void): void {
    this.lossListeners.push(listener);
    if (this.lossUntold) {
      this.lossUntold = false;
      listener();
    }
  }

  private tellJobsMayBeLost(): void {
    if (this.lossListeners.length === 0) this.lossUntold = true;
    for (const listener of this.lossListeners) listener();
  }

  async remove(requestId: string): Promise<void> {
    const jobId = await this.producer.hget(this.indexKey, requestId);
    if (jobId === null) return;
    await this.discard(jobId);
    await this.forget([requestId, jobId]);
  }

  start(handler: DialHandler): Promise<void> {
    if (this.worker || this.stopping) throw new Error('a dial queue starts once');
    const connection = new Redis(this.options.url, {
      maxRetriesPerRequest: null,
      connectionName: `${this.options.prefix}:${this.name}:worker`,
    });
    connection.on('error', (error: Error) => this.logger.warn('redis (dial queue worker) error', { error: error.message }));
    const rateLimit = this.options.rateLimit;
    const concurrency = Math.max(1, this.options.concurrency ?? 10);
    this.runner = new DueRunner(
      this.clock,
      concurrency,
      async (job) => {
        try {
          await handler(job.requestId);
        } finally {
          this.endedJobs.add([job.requestId, job.jobId]);
        }
      },
      (job, error) =>
        this.logger.error('dial job failed; the next sweep re-enqueues the request if it is still due', {
          requestId: job.requestId,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
    const worker = new Worker<DialJobData>(this.name, (job) => this.process(job), {
      connection,
      prefix: this.options.prefix,
      concurrency,
      ...(rateLimit ? { limiter: { max: rateLimit.max, duration: rateLimit.durationMs } } : {}),
    });
    worker.on('error', (error: Error) => this.logger.warn('dial worker error', { error: error.message }));
    worker.on('failed', (job, error: Error) => {
      this.logger.error('dial job failed; the next sweep re-enqueues the request if it is still due', {
        requestId: job?.data.requestId,
        error: error.message,
      });
      // A job failed by the stall check never ran process()'s forget: the sweep must not take it for queued.
      if (job?.id !== undefined) this.endedJobs.add([job.data.requestId, job.id]);
    });
    this.workerConnection = connection;
    this.worker = worker;
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = this.close();
    return this.stopping;
  }

  private async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await this.settleStart(worker);
    // Waits for running handlers, then releases the blocking connection it made.
    await worker?.close();
    await this.giveBack((await this.runner?.stop()) ?? []);
    await this.endedJobs.drain();
    await this.queue.close();
    this.workerConnection?.disconnect();
    this.workerConnection = null;
    this.producer.disconnect();
  }

  async counts(): Promise<QueueCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'prioritized');
    return {
      waiting: (counts.waiting ?? 0) + (counts.paused ?? 0) + (counts.prioritized ?? 0),
      delayed: (counts.delayed ?? 0) + (this.runner?.holding ?? 0),
      active: counts.active ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  /**
   * BullMQ 5.81 race: a close() that lands while a fresh worker's first stalled-job check is still
   * waiting on Redis fires the checker's stopper too early, and the checker then arms a timer of
   * stalledInterval (30 s) that keeps the process alive. When Redis is reachable, let that first
   * check finish: the worker's connection answers in order, so a ping queued behind it does.
   */
  private async settleStart(worker: Worker<DialJobData>): Promise<void> {
    const connection = this.workerConnection;
    if (!connection || !['wait', 'connecting', 'connect', 'ready'].includes(connection.status)) return;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SETTLE_LIMIT_MS);
      timer.unref();
    });
    try {
      await Promise.race([giveUp, worker.waitUntilReady().then(() => connection.ping())]);
      await new Promise((resolve) => setImmediate(resolve));
    } catch {
      // Closing anyway; at worst the process lingers for one stalled interval.
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A job handed over before its due time ends here at once and is held in this process until
   * then (its index entry stays until it has run, so a sweep does not add it again); a due one
   * runs now, and a failure fails the job.
   */
  private async process(job: Job<DialJobData>): Promise<void> {
    const runner = this.runner;
    if (!runner) throw new Error('dial job taken before the queue started');
    const data = jobDataSchema.parse(job.data);
    const due: RunnerJob = { requestId: data.requestId, jobId: job.id ?? jobIdFor(data.requestId, data.dueAt), dueAt: data.dueAt };
    if (this.fetchAheadMs > 0 && due.dueAt > this.clock.now()) runner.hold(due);
    else await runner.run(due);
  }

  /** Held jobs the process stops before their time: back to the queue, for another instance (or the next start). */
  private async giveBack(held: readonly RunnerJob[]): Promise<void> {
    if (held.length === 0) return;
    try {
      await this.addAll(held.map((job) => ({ id: job.requestId, dueAt: job.dueAt })));
    } catch (error) {
      this.logger.warn('held dial jobs not given back to the queue; a sweep gives them new ones once due', {
        jobs: held.length,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** Removes a job unless it is running (a running job is the dispatcher's business now). */
  private async discard(jobId: string): Promise<void> {
    if (this.runner?.drop(jobId)) return;
    const job = await this.queue.getJob(jobId);
    if (job) await this.removeJob(job);
  }

  private async removeJob(job: Job<DialJobData>): Promise<void> {
    try {
      await job.remove();
    } catch (error) {
      this.logger.debug('dial job not removed (running)', { jobId: job.id, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** `pairs`: request, job, request, job, ... */
  private async forget(pairs: readonly string[]): Promise<void> {
    await this.producer.eval(FORGET_IF_SAME, 1, this.indexKey, ...pairs);
  }
}
