import { DueRunner, type RunnerJob } from '../../lib/scheduler/due-runner';
import { flushAsync, ManualClock, type Clock } from '../../lib/time/clock';

describe('DueRunner', () => {
  const T = Date.UTC(2026, 0, 1);

  function setup(concurrency = 2) {
    const clock = new ManualClock(T);
    const started: string[] = [];
    const finish = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
    const failures: string[] = [];
    const runner = new DueRunner(
      clock,
      concurrency,
      (job) =>
        new Promise<void>((resolve, reject) => {
          started.push(job.requestId);
          finish.set(job.requestId, { resolve, reject });
        }),
      (job, error) => failures.push(`${job.requestId}: ${error instanceof Error ? error.message : String(error)}`),
    );
    const job = (requestId: string, dueAt = T): RunnerJob => ({ requestId, jobId: `${requestId}-${dueAt}`, dueAt });
    const end = async (requestId: string, error?: Error): Promise<void> => {
      const call = finish.get(requestId);
      if (error) call?.reject(error);
      else call?.resolve();
      await flushAsync();
    };
    return { clock, runner, started, failures, job, end };
  }

  it('runs due jobs at once, at most `concurrency` together, the rest in order as handlers free up', async () => {
    const { runner, started, job, end } = setup(2);
    const results: string[] = [];
    for (const id of ['a', 'b', 'c', 'd']) void runner.run(job(id)).then(() => results.push(id));
    expect(started).toEqual(['a', 'b']);
    await end('b');
    expect(started).toEqual(['a', 'b', 'c']);
    expect(results).toEqual(['b']);
    await end('a');
    await end('c');
    await end('d');
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(results).toEqual(['b', 'a', 'c', 'd']);
  });

  it('settles a run as its handler does, failure included', async () => {
    const { runner, job, end } = setup();
    const run = expect(runner.run(job('a'))).rejects.toThrow('no database');
    await end('a', new Error('no database'));
    await run;
  });

  it('holds a job until its due time on the clock, once however often it is handed over, and reports a held failure', async () => {
    const { clock, runner, started, failures, job, end } = setup();
    runner.hold(job('a', T + 2_000));
    runner.hold(job('a', T + 2_000));
    runner.hold(job('b', T + 1_000));
    expect(runner.holding).toBe(2);
    await clock.advance(999);
    expect(started).toEqual([]);
    await clock.advance(1);
    expect(started).toEqual(['b']);
    await clock.advance(1_000);
    expect(started).toEqual(['b', 'a']);
    expect(runner.holding).toBe(0);
    await end('a', new Error('dial refused'));
    expect(failures).toEqual(['a: dial refused']);
  });

  it('waits on when its timer fires before the clock says due (Node timers may run a millisecond early)', () => {
    let now = T;
    const timers: (() => void)[] = [];
    const early: Clock = {
      now: () => now,
      setTimeout: (callback) => {
        timers.push(callback);
        return { cancel: () => undefined };
      },
    };
    const started: string[] = [];
    const runner = new DueRunner(early, 1, (job) => (started.push(job.requestId), Promise.resolve()), () => undefined);
    runner.hold({ requestId: 'a', jobId: 'a-1', dueAt: T + 1_000 });
    now = T + 999;
    timers.shift()?.();
    expect(started).toEqual([]);
    expect(runner.holding).toBe(1);
    now = T + 1_000;
    timers.shift()?.();
    expect(started).toEqual(['a']);
    expect(runner.holding).toBe(0);
  });

  it('has a job from its hand-over until its run ends: held, waiting for a handler, running; twice handed over, until both end', async () => {
    const { clock, runner, job, end, started } = setup(1);
    const soon = job('soon', T + 1_000);
    const has = (): boolean => runner.has(soon.jobId);
    void runner.run(job('busy'));
    expect(has()).toBe(false);
    runner.hold(soon);
    expect(has()).toBe(true);
    await clock.advance(1_000);
    expect([runner.holding, started]).toEqual([0, ['busy']]);
    expect(has()).toBe(true);
    const again = expect(runner.run(soon)).rejects.toThrow('taken already');
    await end('busy');
    expect(started).toEqual(['busy', 'soon']);
    expect(has()).toBe(true);
    await end('soon');
    expect(started).toEqual(['busy', 'soon', 'soon']);
    expect(has()).toBe(true);
    await end('soon', new Error('taken already'));
    await again;
    expect(has()).toBe(false);
  });

  it('no longer has a dropped job, nor one stop() handed back', async () => {
    const { runner, job } = setup();
    runner.hold(job('a', T + 1_000));
    runner.hold(job('b', T + 1_000));
    runner.drop(job('a', T + 1_000).jobId);
    expect(runner.has(job('a', T + 1_000).jobId)).toBe(false);
    expect(await runner.stop()).toEqual([job('b', T + 1_000)]);
    expect(runner.has(job('b', T + 1_000).jobId)).toBe(false);
  });

  it('forgets a dropped job', async () => {
    const { clock, runner, started, job } = setup();
    runner.hold(job('a', T + 1_000));
    expect(runner.drop('a-' + String(T + 1_000))).toBe(true);
    expect(runner.drop('a-' + String(T + 1_000))).toBe(false);
    await clock.advance(1_000);
    expect(started).toEqual([]);
  });

  it('stops: hands back the jobs still held, after the due and running ones have finished', async () => {
    const { clock, runner, started, job, end } = setup(1);
    runner.hold(job('later', T + 5_000));
    void runner.run(job('now'));
    void runner.run(job('next'));
    let stopped: RunnerJob[] | null = null;
    void runner.stop().then((held) => (stopped = held));
    await flushAsync();
    expect(stopped).toBeNull();
    await end('now');
    expect(started).toEqual(['now', 'next']);
    expect(stopped).toBeNull();
    await end('next');
    expect(stopped).toEqual([job('later', T + 5_000)]);
    await clock.advance(5_000);
    expect(started).toEqual(['now', 'next']);
    expect(await runner.stop()).toEqual([]);
  });
});
