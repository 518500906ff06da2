import type { Logger } from '../log/logger';
import type { Store } from '../store';
import type { Clock, TimerHandle } from '../time/clock';

/** One cleanup: deletes what has expired and says how many rows went. */
export interface HousekeepingTask {
  readonly name: string;
  run(): Promise<number>;
}

export interface Housekeeping {
  /** Every task once, now; a failing task is logged and the others still run. */
  runOnce(): Promise<void>;
  /** Stops the timer and waits for a run in progress, so the database can close after it. */
  stop(): Promise<void>;
}

/** What the store keeps that expires: portal sessions, login failure counts, rate-limit windows, caller-ID claims. */
export function storeHousekeepingTasks(
  store: Pick<Store, 'portalUsers' | 'rateLimits' | 'callerIdClaims'>,
  windows: { loginWindowMs: number; longestRateWindowMs: number; expiredClaimRetentionMs: number },
): HousekeepingTask[] {
  return [
    { name: 'expired portal sessions', run: () => store.portalUsers.deleteExpiredSessions() },
    { name: 'stale portal login counts', run: () => store.portalUsers.deleteStaleLoginAttempts(windows.loginWindowMs) },
    { name: 'ended rate-limit windows', run: () => store.rateLimits.deleteEnded(windows.longestRateWindowMs) },
    { name: 'expired caller-ID claims', run: () => store.callerIdClaims.deleteExpired(windows.expiredClaimRetentionMs) },
  ];
}

/** How often the store's expired rows are deleted. */
export const HOUSEKEEPING_INTERVAL_MS = 5 * 60_000;

/**
 * Runs the tasks every `intervalMs` on the clock, on every instance (each delete is idempotent,
 * so instances doing the same work only repeat a cheap query). Without it, expired portal
 * sessions were only deleted when somebody logged in, and a service nobody logs in to kept them
 * for ever.
 */
export function startHousekeeping(options: {
  clock: Clock;
  logger: Logger;
  tasks: readonly HousekeepingTask[];
  intervalMs?: number;
  /** Run the tasks once right away too (work left by a stopped process), not only after the first interval. */
  runAtStart?: boolean;
}): Housekeeping {
  const { clock, logger, tasks } = options;
  const intervalMs = options.intervalMs ?? HOUSEKEEPING_INTERVAL_MS;
  let timer: TimerHandle | null = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const runOnce = async (): Promise<void> => {
    for (const task of tasks) {
      try {
        const removed = await task.run();
        if (removed > 0) logger.info('housekeeping', { task: task.name, removed });
      } catch (error) {
        logger.warn('housekeeping task failed; trying again next time', { task: task.name, error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      running = runOnce().finally(schedule);
    }, intervalMs);
  };
  if (options.runAtStart) running = runOnce().finally(schedule);
  else schedule();

  return {
    runOnce,
    stop: async () => {
      stopped = true;
      timer?.cancel();
      await running;
    },
  };
}
