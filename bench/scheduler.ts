import { readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { defaultSettings, type QueueSettings } from '../lib/config';
import type { E164 } from '../lib/domain/phone-number';
import { testLogger } from '../lib/log/logger';
import { createScheduler } from '../lib/scheduler';
import { createQueue } from '../lib/scheduler/scheduler';
import type { DialQueue } from '../lib/scheduler/dial-queue';
import { systemClock } from '../lib/time/clock';
import { createStore } from '../lib/store';
import { isMysql, migrateToLatest } from '../lib/store/database';
import { seedDemo } from '../db/seeds/demo';
import { openBenchDatabase } from './controller';
import { SqlCounter } from './sql-count';
import { deleteRedisPrefix, type OwnRedis } from './redis-process';
import { cpuSince, distribution, LoopLag, round, sleep, type Distribution } from './stats';

/**
 * Scenario 4: `requests` callbacks due evenly across one `windowMs` window, through the real
 * scheduler (rows in SQL, jobs in BullMQ on Redis) with a stub dial that records when it ran.
 * Rows are inserted beforehand, due in a day; from `leadMs` before the window they are scheduled
 * in due order as orders would be: a few rows' due times written, then their jobs.
 */
const DAY = 86_400_000;
/** Rows whose due time one feeder writes in one statement before scheduling their jobs. */
const FEED_CHUNK = 100;
const FEEDERS = 16;
/** Dial handlers running at once (the queue's worker concurrency): the service's default. */
const HANDLERS = defaultSettings().scheduler.dialConcurrency;

export interface SchedulerResult {
  scenario: 'scheduler';
  database: string;
  queue: string;
  requests: number;
  windowMs: number;
  duePerSecond: number;
  redisRestart: { atMs: number; downMs: number } | null;
  /** Rows whose create + schedule finished only after they were due (the feeder fell behind). */
  scheduledLate: number;
  latenessMs: Distribution;
  /**
   * Where the lateness comes from: due → the queue calls the handler (BullMQ hands a job over 2 s
   * early, the queue holds it to its due time) → the claim reads its clock (after waiting for the
   * batch under way, and the batch's read) → the dial starts (the claim's UPDATE).
   */
  stagesMs: { dueToFired: Distribution; firedToClaim: Distribution; claimToDial: Distribution };
  dialedOnce: number;
  dialedTwice: number;
  neverDialed: number;
  /** SQL statements from the window's start to the end of the run (the dispatcher's, the sweeps'), per dialed request: a count, so not the machine's load. */
  sqlPerDial: number;
  /**
   * The periodic sweeps during the run: how many, the longest, the most SQL reads one made, the
   * due rows they checked and those they gave a job (a count: what the sweeps did beyond checking).
   */
  sweeps: { count: number; maxMs: number; maxReads: number; checked: number; enqueued: number };
  /** When the feeders had scheduled every row, in s from the window's start (positive: orders still coming in while the first were due). */
  fedAtS: number;
  /**
   * Write syscalls of this process from the first order to the end of the run (Redis and SQL
   * commands, mostly one write a round trip), per dialed request: a count, so not the machine's
   * load. Null where /proc/self/io does not exist.
   */
  writesPerDial: number | null;
  /**
   * This process's CPU (user + system) from the first order to the end of the run, per dialed
   * request: the orders' scheduling, the queue's hand-over, the claims, the sweeps. Less tied to
   * the machine's load than a latency (though not a count: a loaded CPU runs slower).
   */
  cpuPerDialMs: number;
  /** This process's event-loop delay from the window's start to the end of the run: how long a ready job could wait for the CPU. */
  loopLagMs: { p50: number; p99: number; max: number };
}

export interface RedisRestart {
  /** The server the queue settings point at (bench/redis-process.ts). */
  redis: OwnRedis;
  /** Killed this long after the window opens, started again (empty) `downMs` later. */
  atMs: number;
  downMs: number;
}

export async function schedulerBench(options: {
  requests: number;
  windowMs: number;
  leadMs: number;
  database?: 'sqlite' | 'mariadb';
  queue?: QueueSettings;
  restart?: RedisRestart;
}): Promise<SchedulerResult> {
  const database = options.database ?? 'sqlite';
  const queue = options.queue ?? { driver: 'memory' };
  const { db, drop } = await openBenchDatabase(database);
  try {
    await migrateToLatest(db);
    await seedDemo(db);
    const store = createStore(db);
    const account = await store.accounts.create({ name: 'bench-scheduler', currency: 'USD', country: 'US' });
    const dialed = new Map<string, number>();
    const sweeps = { count: 0, maxMs: 0, maxReads: 0, checked: 0, enqueued: 0 };
    const lateness: number[] = [];
    const fired = new Map<string, number>();
    const stages = { dueToFired: [] as number[], firedToClaim: [] as number[], claimToDial: [] as number[] };
    const logger = testLogger();
    const scheduler = createScheduler({
      settings: queue,
      queue: firedTimes(createQueue({ settings: queue, logger, concurrency: HANDLERS, clock: systemClock }), fired),
      db,
      logger,
      instanceId: `bench-scheduler-${process.pid}`,
      concurrency: HANDLERS,
      onSweep: (sweep) => {
        sweeps.count += 1;
        sweeps.maxMs = Math.max(sweeps.maxMs, sweep.durationMs);
        sweeps.maxReads = Math.max(sweeps.maxReads, sweep.reads);
        sweeps.checked += sweep.checked;
        sweeps.enqueued += sweep.enqueued;
      },
      dial: (request) => {
        const now = Date.now();
        lateness.push(now - request.dueAt);
        const firedAt = fired.get(request.id);
        if (firedAt !== undefined) {
          stages.dueToFired.push(firedAt - request.dueAt);
          // The claim's time is the state change it wrote.
          stages.firedToClaim.push(request.stateChangedAt - firedAt);
        }
        stages.claimToDial.push(now - request.stateChangedAt);
        dialed.set(request.id, (dialed.get(request.id) ?? 0) + 1);
        return Promise.resolve();
      },
    });
    await scheduler.start();
    try {
      // The rows: one made by the store, the rest cloned from it in batches (creating 100k one by
      // one would take minutes); all due in a day, until the window is set below.
      const { request: template } = await store.callbackRequests.create({ accountId: account.id, trigger: 'schedule', source: '+12022000000' as E164, destination: '+13032000000' as E164, dueAt: Date.now() + DAY });
      const row = (await db('callback_requests').where({ id: template.id }).first()) as Record<string, unknown>;
      const ids: string[] = [template.id];
      for (let i = 1; i < options.requests; i += 500) {
        const batch = [];
        for (let j = i; j < Math.min(options.requests, i + 500); j += 1) {
          const id = randomUUID();
          ids.push(id);
          batch.push({ ...row, id, source: `+1202${2_000_000 + j}`, destination: `+1303${2_000_000 + j}` });
        }
        await db('callback_requests').insert(batch);
      }
      // Request i is due at start + i * step; each is scheduled in due order, as orders arrive, its
      // row's due time written just before its job (so that a sweep finds rows without a job only
      // as in production: between a commit and its enqueue).
      const start = Date.now() + options.leadMs;
      const step = options.windowMs / options.requests;
      const dueOf = (i: number): number => Math.round(start + i * step);
      const index = isMysql(db) ? 'CAST(SUBSTR(source, 6) AS SIGNED)' : 'CAST(SUBSTR(source, 6) AS INTEGER)';
      let scheduledLate = 0;
      let nextIndex = 0;
      const feeder = async (): Promise<void> => {
        for (;;) {
          const from = nextIndex;
          nextIndex += FEED_CHUNK;
          if (from >= options.requests) return;
          const chunk = ids.slice(from, from + FEED_CHUNK);
          await db('callback_requests')
            .whereIn('id', chunk)
            .update({ due_at: db.raw(`? + ROUND((${index} - 2000000) * ?)`, [start, step]) });
          for (let i = from; i < from + chunk.length; i += 1) {
            await scheduler.schedule(ids[i]!, dueOf(i));
            if (Date.now() > dueOf(i)) scheduledLate += 1;
          }
        }
      };
      const loopLag = new LoopLag();
      const lagFrom = setTimeout(() => loopLag.start(), Math.max(0, start - Date.now()));
      const writesBefore = writeSyscalls();
      const cpuBefore = process.cpuUsage();
      await Promise.all(Array.from({ length: FEEDERS }, feeder));
      const fedAt = Date.now();
      const sql = new SqlCounter(db);
      const { restart } = options;
      let restarted: Promise<void> = Promise.resolve();
      if (restart) {
        restarted = (async () => {
          await sleep(Math.max(0, start + restart.atMs - Date.now()));
          await restart.redis.kill();
          await sleep(restart.downMs);
          await restart.redis.restart();
        })();
      }
      const limit = start + options.windowMs + 30_000;
      while (dialed.size < options.requests && Date.now() < limit) await sleep(100);
      await restarted;
      // A second dial would come from a duplicate job or the sweep: give it a moment.
      await sleep(2_000);
      sql.stop();
      clearTimeout(lagFrom);
      const lag = loopLag.stop();
      const writesAfter = writeSyscalls();
      const cpuMs = cpuSince(cpuBefore);
      const counts = ids.map((id) => dialed.get(id) ?? 0);
      return {
        scenario: 'scheduler',
        database,
        queue: queue.driver,
        requests: options.requests,
        windowMs: options.windowMs,
        duePerSecond: round(options.requests / (options.windowMs / 1000), 0),
        redisRestart: options.restart ? { atMs: options.restart.atMs, downMs: options.restart.downMs } : null,
        scheduledLate,
        latenessMs: distribution(lateness),
        stagesMs: { dueToFired: distribution(stages.dueToFired), firedToClaim: distribution(stages.firedToClaim), claimToDial: distribution(stages.claimToDial) },
        dialedOnce: counts.filter((count) => count === 1).length,
        dialedTwice: counts.filter((count) => count > 1).length,
        neverDialed: counts.filter((count) => count === 0).length,
        sqlPerDial: round(sql.count / Math.max(1, lateness.length), 2),
        sweeps,
        fedAtS: round((fedAt - start) / 1000, 1),
        cpuPerDialMs: round(cpuMs / Math.max(1, lateness.length), 3),
        loopLagMs: lag,
        writesPerDial: writesBefore === null || writesAfter === null ? null : round((writesAfter - writesBefore) / Math.max(1, lateness.length), 2),
      };
    } finally {
      await scheduler.stop();
      if (queue.driver === 'redis') await deleteRedisPrefix(queue.url, queue.prefix);
    }
  } finally {
    await drop();
  }
}

/** This process's write syscalls so far (Linux). */
function writeSyscalls(): number | null {
  try {
    const match = /^syscw: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** `queue`, noting when it fires each request's job (the last time, for a request fired twice). */
function firedTimes(queue: DialQueue, fired: Map<string, number>): DialQueue {
  return {
    enqueue: (requestId, dueAt) => queue.enqueue(requestId, dueAt),
    enqueueMany: (due) => queue.enqueueMany(due),
    onJobsMayBeLost: (listener) => queue.onJobsMayBeLost?.(listener),
    remove: (requestId) => queue.remove(requestId),
    start: (handler) =>
      queue.start((requestId) => {
        fired.set(requestId, Date.now());
        return handler(requestId);
      }),
    stop: () => queue.stop(),
    counts: () => queue.counts(),
  };
}

/** MariaDB + BullMQ when TEST_MYSQL_URL and TEST_REDIS_URL are set, else SQLite + the in-process queue. */
export function schedulerBackends(): { database: 'sqlite' | 'mariadb'; queue: QueueSettings } {
  const redisUrl = process.env.TEST_REDIS_URL;
  if (process.env.TEST_MYSQL_URL && redisUrl) return { database: 'mariadb', queue: { driver: 'redis', url: redisUrl, prefix: `cbbench-${process.pid}-${randomBytes(3).toString('hex')}` } };
  return { database: 'sqlite', queue: { driver: 'memory' } };
}
