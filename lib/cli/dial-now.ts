import type { QueueSettings } from '../config';
import { createLogger } from '../log/logger';
import { BullDialQueue } from '../scheduler/bull-dial-queue';
import { systemClock } from '../time/clock';

const TIMEOUT_MS = 3000;

/** How a CLI order reaches the service: its BullMQ job now, the in-process queue's pick-up, or the service's next sweep. */
export type Handover = { via: 'queue' } | { via: 'pickup' } | { via: 'sweep'; why: string };

/**
 * Puts an order the CLI stored onto the service's dial queue, so a running service dials it when
 * due instead of when its sweep next finds the row. With BullMQ on Redis that is the very job the
 * service's own orders get (same queue, same job id, so the sweep adding it again is a no-op).
 * The in-process queue lives in the service's process, out of the CLI's reach: there the
 * service's pick-up (every second, lib/scheduler/scheduler.ts) queues the row. The row is the truth
 * either way, so a Redis that does not answer only delays the call until the next sweep.
 */
export async function handOver(queue: QueueSettings, sweepCron: string, requestId: string, dueAt: number): Promise<Handover> {
  if (queue.driver !== 'redis') return { via: 'pickup' };
  // Our own connection, silent: a warning per reconnect attempt would drown the command's output.
  const dialQueue = new BullDialQueue({ url: queue.url, prefix: queue.prefix, clock: systemClock, logger: createLogger({ level: 'error', format: 'pretty', silent: true }) });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    });
    await Promise.race([dialQueue.enqueue(requestId, dueAt), timeout]);
    return { via: 'queue' };
  } catch (error) {
    return { via: 'sweep', why: `the dial queue is unavailable (${error instanceof Error ? error.message : String(error)}); the service's sweep (${sweepCron}) dials it` };
  } finally {
    clearTimeout(timer);
    await dialQueue.stop().catch(() => undefined);
  }
}
