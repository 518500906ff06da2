import cron from 'node-cron';
import type { Logger } from '../log/logger';

/** Every 10 seconds (node-cron's six-field form, seconds first). */
export const DEFAULT_SWEEP_CRON = '*/10 * * * * *';
/** Every second: the in-process queue's pick-up of orders other processes wrote. */
export const EVERY_SECOND_CRON = '* * * * * *';

export interface PeriodicTask {
  stop(): Promise<void>;
}

/**
 * Runs `work` on a cron schedule (real time: production only; tests call the work directly with
 * their ManualClock's time). A run still going when the next is due is skipped, not stacked, and
 * a failure is logged and left for the next run.
 */
export function everyCron(expression: string, name: string, logger: Logger, work: () => Promise<unknown>): PeriodicTask {
  if (!cron.validate(expression)) throw new Error(`invalid cron expression for ${name}: ${JSON.stringify(expression)}`);
  let running: Promise<unknown> | null = null;
  const task = cron.schedule(
    expression,
    async () => {
      if (running) return;
      running = work().catch((error: unknown) => logger.error(`${name} failed; the next run retries`, { error }));
      try {
        await running;
      } finally {
        running = null;
      }
    },
    { name, noOverlap: true },
  );
  return {
    async stop() {
      await task.destroy();
      await running;
    },
  };
}
