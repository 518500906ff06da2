import { testLogger } from '../../lib/log/logger';
import { MemoryDialQueue } from '../../lib/scheduler/memory-dial-queue';
import { createScheduler } from '../../lib/scheduler/scheduler';
import { cronPeriodMs, DEFAULT_SWEEP_CRON, everyCron, sweepTimings } from '../../lib/scheduler/sweep-cron';
import type { SweepResult } from '../../lib/scheduler/sweeper';
import { systemClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { eventually } from './support';

/** Once a year: a periodic task that never ticks during a test. */
const YEARLY = '0 0 0 1 1 *';

describe('everyCron', () => {
  it('refuses an invalid expression by name', () => {
    expect(() => everyCron('every ten seconds', 'scheduler sweep', testLogger(), () => Promise.resolve())).toThrow(
      /invalid cron expression for scheduler sweep: "every ten seconds"/,
    );
  });

  it('stops without having run (nothing here waits for a real tick)', async () => {
    let runs = 0;
    const task = everyCron(DEFAULT_SWEEP_CRON, 'scheduler sweep', testLogger(), () => {
      runs += 1;
      return Promise.resolve();
    });
    await task.stop();
    expect(runs).toBe(0);
  });

  it('runs at once when asked, once more after a run that was going, and not after stop', async () => {
    let runs = 0;
    let finish = (): void => undefined;
    const task = everyCron(YEARLY, 'scheduler sweep', testLogger(), async () => {
      runs += 1;
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    task.runNow();
    expect(runs).toBe(1);
    // Asked twice while running: one more run, not two.
    task.runNow();
    task.runNow();
    finish();
    await eventually(() => runs === 2, 'the second run');
    finish();
    await task.stop();
    task.runNow();
    expect(runs).toBe(2);
  });
});

describeEachDatabase('scheduler with its production sweep schedule', (getDb) => {
  /** A scheduler on the memory queue that dials nothing; `extra` adds or replaces its options. */
  const memoryScheduler = (extra: Partial<Parameters<typeof createScheduler>[0]>): ReturnType<typeof createScheduler> =>
    createScheduler({ settings: { driver: 'memory' }, db: getDb(), logger: testLogger(), instanceId: 'controller-1', dial: () => Promise.resolve(), ...extra });

  it('starts the cron sweep with the scheduler and stops it with it', async () => {
    const scheduler = memoryScheduler({});
    await scheduler.start();
    await scheduler.stop();
    expect(await scheduler.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
  });

  it('sweeps at once, not at its next period, when the queue may have lost its jobs', async () => {
    let lost = (): void => undefined;
    const queue = Object.assign(new MemoryDialQueue({ clock: systemClock, logger: testLogger() }), {
      onJobsMayBeLost: (listener: () => void) => {
        lost = listener;
      },
    });
    const sweeps: SweepResult[] = [];
    const scheduler = memoryScheduler({ queue, sweepCron: YEARLY, onSweep: (sweep) => sweeps.push(sweep) });
    await scheduler.start();
    expect(sweeps).toHaveLength(0);
    lost();
    await eventually(() => sweeps.length === 1, 'the sweep');
    await scheduler.stop();
  });
});

describe('cronPeriodMs and sweepTimings', () => {
  it('finds the longest wait between two runs of a schedule', () => {
    expect(cronPeriodMs(DEFAULT_SWEEP_CRON)).toBe(10_000);
    expect(cronPeriodMs('*/30 * * * * *')).toBe(30_000);
    // Runs at seconds 0 and 1 of each minute: the wait that matters is the long one.
    expect(cronPeriodMs('0,1 * * * * *')).toBe(59_000);
    expect(cronPeriodMs('0 */7 * * *')).toBe(7 * 3_600_000);
    expect(cronPeriodMs(YEARLY)).toBeGreaterThanOrEqual(365 * 86_400_000);
  });

  it('refuses an invalid expression', () => {
    expect(() => cronPeriodMs('every ten seconds')).toThrow(/invalid cron expression: "every ten seconds"/);
  });

  it('looks two periods ahead and lets a periodic walk take four fifths of one', () => {
    expect(sweepTimings(10_000)).toEqual({ lookaheadMs: 20_000, budgetMs: 8_000 });
    expect(sweepTimings(cronPeriodMs('*/30 * * * * *'))).toEqual({ lookaheadMs: 60_000, budgetMs: 24_000 });
  });
});
