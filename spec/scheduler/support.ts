import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import type { QueueSettings } from '../../lib/config/schema';
import type { E164 } from '../../lib/domain/phone-number';
import { testLogger } from '../../lib/log/logger';
import { createScheduler, type Scheduler, type SchedulerOptions } from '../../lib/scheduler/scheduler';
import type { CallbackRequest, NewCallbackRequest, Store } from '../../lib/store';
import type { Clock } from '../../lib/time/clock';
import { uniqueNumber } from '../store/fixtures';
import { describeWith, testRedis } from '../support/external-services';
import { deleteKeysUnder } from '../../bench/redis-process';

export type QueueKindName = 'memory' | 'bullmq';

export interface QueueKind {
  name: QueueKindName;
  /** Settings for a queue of its own; instances of one deployment share `prefix`. */
  settings(prefix: string): QueueSettings;
  /** Loses everything the queue holds, as a Redis FLUSHALL would (only this prefix's keys). */
  flush(prefix: string): Promise<void>;
}

const memoryKind: QueueKind = {
  name: 'memory',
  settings: () => ({ driver: 'memory' }),
  flush: () => Promise.resolve(),
};

/** A key prefix no other test (or test file running in parallel) uses. */
export function uniquePrefix(): string {
  return `cbtest-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export const deletePrefix = deleteKeysUnder;

/**
 * Registers `body` for each queue: memory always, BullMQ when TEST_REDIS_URL is set (without it a
 * skipped test says so; under CI it fails, see spec/support/external-services.ts).
 */
export function describeEachQueue(name: string, body: (kind: QueueKind) => void): void {
  describe(`${name} [memory queue]`, () => body(memoryKind));
  describeWith(testRedis(), `${name} [bullmq]`, (url) => {
    // Opened in a hook, not here: hooks do not run for a block whose tests are all filtered out.
    let admin: Redis | null = null;
    const used: string[] = [];
    beforeAll(() => {
      admin = new Redis(url, { maxRetriesPerRequest: 3 });
    });
    afterAll(async () => {
      for (const prefix of used) if (admin) await deletePrefix(admin, prefix);
      admin?.disconnect();
    });
    body({
      name: 'bullmq',
      settings(prefix) {
        if (!used.includes(prefix)) used.push(prefix);
        return { driver: 'redis', url, prefix };
      },
      flush: async (prefix) => {
        if (admin) await deletePrefix(admin, prefix);
      },
    });
  });
}

/**
 * Polls until `condition` holds. Only for work that runs outside the ManualClock (database and
 * Redis I/O, BullMQ's worker); the timeout bounds a failing test, nothing asserts on time.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A request for `accountId` due at `dueAt`. */
export async function newRequest(store: Store, accountId: number, dueAt: number, extra: Partial<NewCallbackRequest> = {}): Promise<CallbackRequest> {
  const { request } = await store.callbackRequests.create({
    accountId,
    trigger: 'schedule',
    source: uniqueNumber(),
    destination: uniqueNumber() as E164,
    dueAt,
    ...extra,
  });
  return request;
}

/** The engine's dial, recording each call. */
export function dialSpy(): { dial: (request: CallbackRequest) => Promise<void>; calls: CallbackRequest[]; ids: () => string[] } {
  const calls: CallbackRequest[] = [];
  return {
    calls,
    dial: (request) => {
      calls.push(request);
      return Promise.resolve();
    },
    ids: () => calls.map((call) => call.id),
  };
}

/** Registers `body` against TEST_REDIS_URL (skipped without it; under CI a missing URL fails). */
export function describeRedis(name: string, body: (url: string) => void): void {
  describeWith(testRedis(), name, body);
}

/**
 * A memory-queue scheduler that sweeps only when a test calls sweep() (no cron), with a spy dial
 * unless `extra` gives one: the instance the sweep tests start, one per controller id.
 */
export function sweepTestScheduler(
  db: Knex, clock: Clock, instanceId: string, leaseMs: number, extra: Partial<SchedulerOptions> = {},
): Scheduler {
  return createScheduler({
    settings: { driver: 'memory' },
    db,
    clock,
    logger: testLogger(),
    instanceId,
    dial: dialSpy().dial,
    sweepCron: null,
    leaseMs,
    ...extra,
  });
}
