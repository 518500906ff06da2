import { testLogger } from '../../lib/log/logger';
import { MemoryDialQueue } from '../../lib/scheduler/memory-dial-queue';
import type { RateLimit } from '../../lib/scheduler/dial-queue';
import { flushAsync, ManualClock } from '../../lib/time/clock';

function setup(options: { concurrency?: number; rateLimit?: RateLimit } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const queue = new MemoryDialQueue({ clock, logger: testLogger(), ...options });
  const fired: string[] = [];
  const handler = (id: string) => {
    fired.push(id);
    return Promise.resolve();
  };
  return { clock, queue, fired, handler };
}

describe('MemoryDialQueue', () => {
  it('runs a job when the clock reaches its due time, not before', async () => {
    const { clock, queue, fired, handler } = setup();
    await queue.start(handler);
    await queue.enqueue('r1', clock.now() + 60_000);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 1, active: 0, failed: 0 });
    await clock.advance(59_999);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual(['r1']);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
  });

  it('waits for due times beyond the longest timer Node can set', async () => {
    const { clock, queue, fired, handler } = setup();
    await queue.start(handler);
    const dueAt = clock.now() + 40 * 24 * 3_600_000;
    await queue.enqueue('far', dueAt);
    await clock.advance(dueAt - clock.now() - 1);
    expect(fired).toEqual([]);
    expect((await queue.counts()).delayed).toBe(1);
    await clock.advance(1);
    expect(fired).toEqual(['far']);
  });

  it('runs an overdue job at once, and holds jobs until started', async () => {
    const { clock, queue, fired, handler } = setup();
    await queue.enqueue('late', clock.now() - 1000);
    await flushAsync();
    expect(fired).toEqual([]);
    expect((await queue.counts()).waiting).toBe(1);
    await queue.start(handler);
    await flushAsync();
    expect(fired).toEqual(['late']);
  });

  it('treats a repeated enqueue as the same job and a new due time as a replacement', async () => {
    const { clock, queue, fired, handler } = setup();
    await queue.start(handler);
    const t = clock.now();
    await queue.enqueue('r1', t + 1000);
    await queue.enqueue('r1', t + 1000);
    expect((await queue.counts()).delayed).toBe(1);
    await queue.enqueue('r1', t + 5000);
    expect((await queue.counts()).delayed).toBe(1);
    await clock.advance(4999);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual(['r1']);
  });

  it('removes a job so that it never runs', async () => {
    const { clock, queue, fired, handler } = setup();
    await queue.start(handler);
    await queue.enqueue('r1', clock.now() + 1000);
    await queue.remove('r1');
    await queue.remove('unknown');
    await clock.advance(10_000);
    expect(fired).toEqual([]);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
  });

  it('does not add a job that is running, but takes the same request at a new due time (a retry)', async () => {
    const { clock, queue } = setup();
    const release: (() => void)[] = [];
    const fired: string[] = [];
    await queue.start((id) => {
      fired.push(id);
      return new Promise<void>((resolve) => release.push(resolve));
    });
    const t = clock.now();
    await queue.enqueue('r1', t);
    await flushAsync();
    expect(await queue.counts()).toMatchObject({ active: 1, waiting: 0, delayed: 0 });
    await queue.enqueue('r1', t);
    expect(await queue.counts()).toMatchObject({ active: 1, waiting: 0, delayed: 0 });
    await queue.enqueue('r1', t + 60_000);
    expect(await queue.counts()).toMatchObject({ active: 1, delayed: 1 });
    release.shift()?.();
    await clock.advance(60_000);
    expect(fired).toEqual(['r1', 'r1']);
    release.shift()?.();
    await flushAsync();
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
  });

  it('runs at most `concurrency` handlers at once', async () => {
    const { clock, queue } = setup({ concurrency: 2 });
    const release: (() => void)[] = [];
    let running = 0;
    let most = 0;
    await queue.start(() => {
      running += 1;
      most = Math.max(most, running);
      return new Promise<void>((resolve) =>
        release.push(() => {
          running -= 1;
          resolve();
        }),
      );
    });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await queue.enqueue(id, clock.now());
    await flushAsync();
    expect(await queue.counts()).toMatchObject({ active: 2, waiting: 3 });
    while (release.length > 0) {
      release.shift()?.();
      await flushAsync();
    }
    expect(most).toBe(2);
    expect(await queue.counts()).toMatchObject({ active: 0, waiting: 0 });
  });

  it('starts at most `max` jobs per window (CPS), by the clock', async () => {
    const { clock, queue, fired, handler } = setup({ rateLimit: { max: 2, durationMs: 1000 } });
    await queue.start(handler);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await queue.enqueue(id, clock.now());
    await flushAsync();
    expect(fired).toEqual(['a', 'b']);
    await clock.advance(999);
    expect(fired).toHaveLength(2);
    await clock.advance(1);
    expect(fired).toEqual(['a', 'b', 'c', 'd']);
    await clock.advance(1000);
    expect(fired).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('counts a handler that throws as failed and carries on', async () => {
    const { clock, queue } = setup();
    const fired: string[] = [];
    await queue.start((id) => {
      fired.push(id);
      return id === 'bad' ? Promise.reject(new Error('database away')) : Promise.resolve();
    });
    await queue.enqueue('bad', clock.now());
    await queue.enqueue('good', clock.now());
    await flushAsync();
    await flushAsync();
    expect(fired).toEqual(['bad', 'good']);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 1 });
    // The failed job is gone, so the sweep can enqueue the same request and due time again.
    await queue.enqueue('bad', clock.now());
    await flushAsync();
    expect(fired).toEqual(['bad', 'good', 'bad']);
  });

  it('stops: waits for running handlers and forgets the rest, as a process exit would', async () => {
    const { clock, queue } = setup();
    let release: () => void = () => undefined;
    const fired: string[] = [];
    await queue.start((id) => {
      fired.push(id);
      return new Promise<void>((resolve) => (release = resolve));
    });
    await queue.enqueue('running', clock.now());
    await queue.enqueue('later', clock.now() + 1000);
    await flushAsync();
    let stopped = false;
    const stopping = queue.stop().then(() => (stopped = true));
    await flushAsync();
    expect(stopped).toBe(false);
    release();
    await stopping;
    await clock.advance(5000);
    await queue.enqueue('after-stop', clock.now());
    await flushAsync();
    expect(fired).toEqual(['running']);
    expect(clock.pending).toBe(0);
  });
});
