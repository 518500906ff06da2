import { testLogger } from '../../lib/log/logger';
import { createScheduler } from '../../lib/scheduler/scheduler';
import { DEFAULT_SWEEP_CRON, everyCron } from '../../lib/scheduler/sweep-cron';
import { describeEachDatabase } from '../support/databases';

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
});

describeEachDatabase('scheduler with its production sweep schedule', (getDb) => {
  it('starts the cron sweep with the scheduler and stops it with it', async () => {
    const scheduler = createScheduler({
      settings: { driver: 'memory' },
      db: getDb(),
      logger: testLogger(),
      instanceId: 'controller-1',
      dial: () => Promise.resolve(),
    });
    await scheduler.start();
    await scheduler.stop();
    expect(await scheduler.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
  });
});
