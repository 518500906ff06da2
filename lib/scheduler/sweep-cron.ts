import cron from 'node-cron';
import type { Logger } from '../log/logger';

/** Every 10 seconds (node-cron's six-field form, seconds first). */
export const DEFAULT_SWEEP_CRON = '*/10 * * * * *';
/** Every second: the in-process queue's pick-up of orders other processes wrote. */
export const EVERY_SECOND_CRON = '* * * * * *';

export interface PeriodicTask {
  /**
   * Runs the work now, off schedule (something happened that it should see at once). While a run
   * is going, one more follows it: that run may have started before the event.
   */
  runNow(): void;
  stop(): Promise<void>;
}

/**
 * Runs `work` on a cron schedule (real time: production only; tests call the work directly with
 * their ManualClock's time). A run still going when the next is due is skipped, not stacked, and
 * a failure is logged and left for the next run.
 */
export function everyCron(expression: string, name: string, logger: Logger, work: () => Promise<unknown>): PeriodicTask {
  if (!cron.validate(expression)) throw new Error(`invalid cron expression for ${name}: ${JSON.stringify(expression)}`);
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = async (): Promise<void> => {
    try {
      await work();
    } catch (error) {
      logger.error(`${name} failed; the next run retries`, { error });
    }
  };
  const start = (): void => {
    running = (async () => {
      do {
        again = false;
        await run();
      } while (again && !stopped);
      running = null;
    })();
  };
  const task = cron.schedule(
    expression,
    () => {
      if (!running) start();
    },
    { name, noOverlap: true },
  );
  return {
    runNow() {
      if (stopped) return;
      if (running) again = true;
      else start();
    },
    async stop() {
      stopped = true;
      await task.destroy();
      await running;
    },
  };
}
