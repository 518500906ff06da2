import { Redis } from 'ioredis';
import { testLogger } from '../../lib/log/logger';
import { BullDialQueue } from '../../lib/scheduler/bull-dial-queue';
import { jobIdFor, type RateLimit } from '../../lib/scheduler/dial-queue';
import { ManualClock } from '../../lib/time/clock';
import { TcpProxy } from '../faults/dependencies/support/tcp-proxy';
import { deletePrefix, describeRedis, eventually, uniquePrefix } from './support';

const HOUR = 3_600_000;

describeRedis('BullDialQueue', (url) => {
  let admin: Redis;
  const prefixes: string[] = [];
  const queues: BullDialQueue[] = [];

  beforeAll(() => {
    admin = new Redis(url, { maxRetriesPerRequest: 3 });
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.stop()));
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  function setup(options: { url?: string; prefix?: string; rateLimit?: RateLimit } = {}) {
    const prefix = options.prefix ?? uniquePrefix();
    prefixes.push(prefix);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const queue = new BullDialQueue({ url: options.url ?? url, prefix, clock, logger: testLogger(), rateLimit: options.rateLimit ?? null });
    queues.push(queue);
    const fired: string[] = [];
    const handler = (id: string) => {
      fired.push(id);
      return Promise.resolve();
    };
    const idle = () =>
      eventually(async () => {
        const counts = await queue.counts();
        return counts.waiting + counts.active + counts.delayed === 0;
      }, 'the queue to drain');
    return { prefix, clock, queue, fired, handler, idle };
  }

  it('keeps one job per request and due time, and replaces it for a new due time', async () => {
    const { clock, queue } = setup();
    const t = clock.now();
    await queue.enqueue('r1', t + HOUR);
    await queue.enqueue('r1', t + HOUR);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 1, active: 0, failed: 0 });
    await queue.enqueue('r1', t + 2 * HOUR);
    await queue.enqueue('r2', t + HOUR);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 2, active: 0, failed: 0 });
    await queue.remove('r1');
    await queue.remove('r2');
    await queue.remove('never-enqueued');
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
  });

  it('takes a sweep page whole: new jobs, the known ones left alone, a moved due time replaced, a due one run', async () => {
    const { clock, queue, fired, handler, idle } = setup();
    const t = clock.now();
    await queue.enqueue('known', t + HOUR);
    await queue.enqueue('moved', t + HOUR);
    const given = await queue.enqueueMany([
      { id: 'known', dueAt: t + HOUR },
      { id: 'moved', dueAt: t + 2 * HOUR },
      { id: 'new', dueAt: t + HOUR },
    ]);
    expect(given).toBe(2);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 3, active: 0, failed: 0 });
    expect(await queue.enqueueMany([{ id: 'new', dueAt: t + HOUR }])).toBe(0);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 3, active: 0, failed: 0 });
    // Its clock says due, BullMQ's real clock not: the delayed job is promoted even though the index knows it.
    await clock.advance(HOUR);
    await queue.start(handler);
    expect(await queue.enqueueMany([{ id: 'known', dueAt: t + HOUR }, { id: 'new', dueAt: t + HOUR }])).toBe(2);
    await eventually(() => fired.length === 2, 'the due jobs to run');
    expect(await queue.enqueueMany([])).toBe(0);
    expect(fired.sort()).toEqual(['known', 'new']);
    await queue.remove('moved');
    await idle();
  });

  it("gives a due row a job when the index still names one that ended (its entry not forgotten yet), and leaves a waiting one alone", async () => {
    const { prefix, clock, queue, fired, handler, idle } = setup();
    const t = clock.now();
    // An entry whose job is gone, as between a job's end and the batch that forgets it.
    await admin.hset(`${prefix}:dial:request-jobs`, 'ended', jobIdFor('ended', t));
    await queue.enqueue('waiting', t);
    await queue.enqueueMany([{ id: 'ended', dueAt: t }, { id: 'waiting', dueAt: t }]);
    expect(await queue.counts()).toEqual({ waiting: 2, delayed: 0, active: 0, failed: 0 });
    await queue.start(handler);
    await eventually(() => fired.length === 2, 'both jobs to run');
    await idle();
    expect(fired.sort()).toEqual(['ended', 'waiting']);
  });

  it('gives every row of a page its job back after Redis lost them all, together, and then leaves them be', async () => {
    const { prefix, clock, queue } = setup();
    const t = clock.now();
    const page = Array.from({ length: 50 }, (_, i) => ({ id: `r${i}`, dueAt: t + (i % 2 === 0 ? 0 : HOUR) }));
    expect(await queue.enqueueMany(page)).toBe(50);
    await deletePrefix(admin, prefix);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });

    expect(await queue.enqueueMany(page)).toBe(50);
    expect(await queue.counts()).toEqual({ waiting: 25, delayed: 25, active: 0, failed: 0 });
    expect(await admin.hgetall(`${prefix}:dial:request-jobs`)).toEqual(Object.fromEntries(page.map((row) => [row.id, jobIdFor(row.id, row.dueAt)])));
    expect(await queue.enqueueMany(page)).toBe(0);
    expect(await queue.counts()).toEqual({ waiting: 25, delayed: 25, active: 0, failed: 0 });
  });

  it('gives a row whose job failed a new run, and counts it', async () => {
    const { clock, queue, fired, idle } = setup();
    const t = clock.now();
    let failures = 1;
    await queue.start((id) => {
      if (failures-- > 0) return Promise.reject(new Error('dial failed'));
      fired.push(id);
      return Promise.resolve();
    });
    await queue.enqueue('r1', t);
    await eventually(async () => (await queue.counts()).failed === 1, 'the job to fail');
    expect(await queue.enqueueMany([{ id: 'r1', dueAt: t }])).toBe(1);
    await eventually(() => fired.length === 1, 'the job to run again');
    await idle();
    expect(fired).toEqual(['r1']);
  });

  it('runs a due job once', async () => {
    const { clock, queue, fired, handler, idle } = setup();
    await queue.start(handler);
    await queue.enqueue('r1', clock.now());
    await eventually(() => fired.length > 0, 'the job to run');
    await idle();
    await queue.enqueue('r1', clock.now() + HOUR);
    expect(fired).toEqual(['r1']);
  });

  it('promotes a delayed job once the injected clock says it is due', async () => {
    const { clock, queue, fired, handler, idle } = setup();
    await queue.start(handler);
    const dueAt = clock.now() + HOUR;
    await queue.enqueue('r1', dueAt);
    await clock.advance(HOUR - 1);
    await queue.enqueue('r1', dueAt);
    expect((await queue.counts()).delayed).toBe(1);
    expect(fired).toEqual([]);
    await clock.advance(1);
    await queue.enqueue('r1', dueAt);
    await eventually(() => fired.length > 0, 'the promoted job to run');
    await idle();
    expect(fired).toEqual(['r1']);
  });

  it('is handed a job ahead of its due time and holds it until our clock says due; stopping gives it back to the queue', async () => {
    const { prefix, clock, queue, fired, handler } = setup();
    await queue.start(handler);
    const t = clock.now();
    await queue.enqueue('soon', t + 1_000);
    await queue.enqueue('later', t + 1_500);
    const jobKey = (id: string, dueAt: number): string => `${prefix}:dial:${jobIdFor(id, dueAt)}`;
    // Within the hand-over (2 s): BullMQ hands both over at once and they end there, held here.
    await eventually(async () => (await admin.exists(jobKey('soon', t + 1_000), jobKey('later', t + 1_500))) === 0, 'both jobs to be handed over');
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 2, active: 0, failed: 0 });
    // A sweep now finds them known (their index entries stay until they have run).
    expect(await queue.enqueueMany([{ id: 'soon', dueAt: t + 1_000 }, { id: 'later', dueAt: t + 1_500 }])).toBe(0);
    await clock.advance(999);
    expect(fired).toEqual([]);
    await clock.advance(1);
    await eventually(() => fired.length === 1, 'the held job to run at its due time');
    expect(fired).toEqual(['soon']);

    await queue.stop();
    expect(await admin.exists(jobKey('later', t + 1_500))).toBe(1);
    const next = setup({ prefix });
    await next.queue.start(next.handler);
    await eventually(async () => (await next.queue.counts()).delayed === 1 && (await admin.exists(jobKey('later', t + 1_500))) === 0, 'the next instance to hold it');
    await next.clock.advance(1_500);
    await eventually(() => next.fired.length === 1, 'the given-back job to run');
    expect([fired, next.fired]).toEqual([['soon'], ['later']]);
  });

  it('adds no copy of a due job this process holds and runs (ended in BullMQ); another instance, the one left after a crash, adds one', async () => {
    const { prefix, clock, queue, fired } = setup();
    let release: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (release = resolve));
    await queue.start((id) => (fired.push(id), running));
    const t = clock.now();
    const soon = { id: 'soon', dueAt: t + 1_000 };
    await queue.enqueue(soon.id, soon.dueAt);
    await eventually(async () => (await admin.exists(`${prefix}:dial:${jobIdFor(soon.id, soon.dueAt)}`)) === 0, 'the job to be handed over');
    // The held job comes due and runs, its handler not done yet, while BullMQ has no job for it.
    await clock.advance(1_000);
    await eventually(() => fired.includes('soon'), 'the held job to run');
    expect(await queue.enqueueMany([soon])).toBe(0);

    // Another instance knows nothing of what this one holds: were this one dead, its job is lost.
    const other = setup({ prefix });
    await other.clock.advance(1_000);
    expect(await other.queue.enqueueMany([soon])).toBe(1);
    release();
  });

  it('leaves the timing to BullMQ with a rate limit (its limiter paces the hand-over)', async () => {
    const limited = setup({ rateLimit: { max: 10, durationMs: 1_000 } });
    const free = setup();
    for (const { prefix, clock, queue } of [limited, free]) {
      await queue.enqueue('r1', clock.now() + HOUR);
      expect(Number(await admin.hget(`${prefix}:dial:${jobIdFor('r1', clock.now() + HOUR)}`, 'delay'))).toBe(queue === limited.queue ? HOUR : HOUR - 2_000);
    }
  });

  it('keeps a failed job for inspection, and runs it again when the same job is enqueued again', async () => {
    const { clock, queue, idle } = setup();
    let failures = 1;
    const fired: string[] = [];
    await queue.start((id) => {
      fired.push(id);
      if (failures-- > 0) return Promise.reject(new Error('database away'));
      return Promise.resolve();
    });
    await queue.enqueue('r1', clock.now());
    await eventually(async () => (await queue.counts()).failed === 1, 'the job to fail');
    await queue.enqueue('r1', clock.now());
    await eventually(() => fired.length === 2, 'the job to run again');
    await idle();
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
  });

  it('carries on after its Redis connections are cut (ioredis reconnects)', async () => {
    const { prefix, clock, queue, fired, handler, idle } = setup();
    await queue.start(handler);
    await queue.enqueue('before', clock.now());
    await eventually(() => fired.includes('before'), 'the first job to run');
    const clients = (await admin.client('LIST')) as string;
    const ours = clients
      .split('\n')
      .filter((line) => line.includes(`name=${prefix}`))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    expect(ours.length).toBeGreaterThanOrEqual(2);
    let told = 0;
    queue.onJobsMayBeLost(() => (told += 1));
    for (const id of ours) await admin.client('KILL', 'ID', id);
    // Reconnected: Redis may have restarted empty, which the scheduler answers with a sweep.
    await eventually(() => told === 1, 'the queue to say its jobs may be lost');
    await queue.enqueue('after', clock.now());
    await eventually(() => fired.includes('after'), 'a job after the reconnect to run');
    await idle();
    expect(fired).toEqual(['before', 'after']);
  });

  it('says its jobs may be lost when Redis, unreachable as it started, becomes reachable, also to a listener that comes later', async () => {
    const proxy = await TcpProxy.listen(Number(new URL(url).port || 6379));
    try {
      proxy.cut();
      const { clock, queue } = setup({ url: `redis://127.0.0.1:${proxy.port}/` });
      // Down at start: what is scheduled meanwhile has no job, and waits for a sweep.
      await expect(queue.enqueue('r1', clock.now())).rejects.toThrow();
      let told = 0;
      queue.onJobsMayBeLost(() => (told += 1));
      proxy.restore();
      await eventually(() => told === 1, 'the queue to say its jobs may be lost');
      let toldLate = 0;
      await expect(queue.enqueue('r2', clock.now())).resolves.toBeUndefined();
      queue.onJobsMayBeLost(() => (toldLate += 1));
      expect([told, toldLate]).toEqual([1, 0]);

      // Ready again before anyone listened (the scheduler listens after its start-up sweep).
      const second = setup({ url: `redis://127.0.0.1:${proxy.port}/` });
      proxy.cut();
      await expect(second.queue.enqueue('r3', clock.now())).rejects.toThrow();
      proxy.restore();
      await expect(second.queue.enqueue('r3', clock.now())).resolves.toBeUndefined();
      let toldAfter = 0;
      second.queue.onJobsMayBeLost(() => (toldAfter += 1));
      expect(toldAfter).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('rejects enqueue (it does not hang) while Redis is unreachable, and still stops', async () => {
    const { clock, queue } = setup({ url: 'redis://127.0.0.1:1/' });
    await expect(queue.enqueue('r1', clock.now())).rejects.toThrow();
  });
});
