import cron from 'node-cron';
import type { Logger } from '../log/logger';

/** Every 10 seconds (node-cron's six-field form, seconds first). */
export const DEFAULT_SWEEP_CRON = '*/10 * * * * *';
/** Every second: the in-process queue's pick-up of orders other processes wrote. */
export const EVERY_SECOND_CRON = '* * * * * *';

/** Runs of a schedule sampled for its longest gap: enough for one that repeats within a few dozen runs. */
const SAMPLED_RUNS = 32;

/** Periods found so far: node-cron takes milliseconds to list a schedule's runs, and every scheduler asks. */
const periods = new Map<string, number>();

/** The longest wait between two runs of `expression` (node-cron's form) among its next runs. */
export function cronPeriodMs(expression: string): number {
  const known = periods.get(expression);
  if (known !== undefined) return known;
  if (!cron.validate(expression)) throw new Error(`invalid cron expression: ${JSON.stringify(expression)}`);
  const task = cron.createTask(expression, () => undefined);
  try {
    const runs = task.getNextRuns(SAMPLED_RUNS).map((run) => run.getTime());
    const period = Math.max(...runs.slice(1).map((at, i) => at - (runs[i] ?? at)));
    periods.set(expression, period);
    return period;
  } finally {
    void task.destroy();
  }
}

/** How far ahead a sweep queues due rows, and how long a periodic sweep's walk may take. */
export interface SweepTimings {
  lookaheadMs: number;
  budgetMs: number;
}

/**
 * From the sweep's period. The lookahead is two periods: every waiting row is walked by a sweep
 * at least a period before it is due, so a job lost with Redis comes back in time; a walk costs
 * each row lookahead ÷ period checks before it is due (a minute at a 10 s period was 6, at
 * 1,667 due/s about 100,000 rows a sweep on the dispatcher's CPU; two periods are 2). The walk
 * stops at four fifths of the period, so that periodic runs never overlap.
 */
export function sweepTimings(periodMs: number): SweepTimings {
  return { lookaheadMs: 2 * periodMs, budgetMs: Math.floor((periodMs * 4) / 5) };
}

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
