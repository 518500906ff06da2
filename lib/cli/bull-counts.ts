import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { QueueSettings } from '../config';
import type { QueueCounts } from '../scheduler/dial-queue';

/** The scheduler's BullMQ queue name (BullDialQueue's default, which the service uses). */
const DIAL_QUEUE = 'dial';
const TIMEOUT_MS = 3000;

export type BullCounts = ({ ok: true } & QueueCounts) | { ok: false; error: string };

/**
 * Job counts of the service's dial queue. A connection of our own that gives up quickly, and is
 * dropped rather than closed politely: an inspection command must answer, not wait for Redis.
 */
export async function bullCounts(settings: Extract<QueueSettings, { driver: 'redis' }>): Promise<BullCounts> {
  const connection = new Redis(settings.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  // ioredis rejects connect() with a bare "Connection is closed."; the cause comes as an event.
  let cause: Error | undefined;
  connection.on('error', (error: Error) => {
    cause = error;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await connection.connect();
    const queue = new Queue(DIAL_QUEUE, { connection, prefix: settings.prefix, skipVersionCheck: true });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    });
    const counts = await Promise.race([queue.getJobCounts('waiting', 'paused', 'prioritized', 'delayed', 'active', 'failed'), timeout]);
    return {
      ok: true,
      waiting: (counts.waiting ?? 0) + (counts.paused ?? 0) + (counts.prioritized ?? 0),
      delayed: counts.delayed ?? 0,
      active: counts.active ?? 0,
      failed: counts.failed ?? 0,
    };
  } catch (error) {
    return { ok: false, error: cause?.message ?? (error instanceof Error ? error.message : String(error)) };
  } finally {
    clearTimeout(timer);
    connection.disconnect();
  }
}
