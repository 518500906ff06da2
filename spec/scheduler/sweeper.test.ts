import { testLogger } from '../../lib/log/logger';
import { claimForDial } from '../../lib/store/request-claims';
import { MemoryDialQueue } from '../../lib/scheduler/memory-dial-queue';
import { DUE_STATES } from '../../lib/scheduler/request-states';
import { dueBetweenPage, type DueRef } from '../../lib/store/request-sweeps';
import type { Scheduler, SchedulerOptions } from '../../lib/scheduler/scheduler';
import { Sweeper } from '../../lib/scheduler/sweeper';
import { createStore, type CallbackRequest, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from '../store/fixtures';
import { dialSpy, eventually, newRequest, sweepTestScheduler } from './support';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LEASE = 2 * MINUTE;

describeEachDatabase('sweeper', (getDb) => {
  let store: Store;
  let accountId: number;
  let clock: ManualClock;
  const started: Scheduler[] = [];

  beforeAll(async () => {
    store = createStore(getDb());
    accountId = (await accountWithBalance(store, 0)).id;
  });
  beforeEach(() => {
    clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((scheduler) => scheduler.stop()));
    await getDb()('callback_requests').del();
  });

  function scheduler(instanceId: string, extra: Partial<SchedulerOptions> = {}): Scheduler {
    const created = sweepTestScheduler(getDb(), clock, instanceId, LEASE, extra);
    started.push(created);
    return created;
  }

  /** An instance that claimed the request for dialing and then died (its lease is never renewed). */
  async function takenByDeadInstance(request: CallbackRequest): Promise<void> {
    const options = { now: clock.now(), instanceId: 'dead-controller', leaseMs: LEASE };
    expect(await claimForDial(getDb(), request, DUE_STATES, 'dialing_a', options)).toBe(true);
  }

  it('queues what is due within two periods of its sweep schedule (the default schedule: 20 s)', async () => {
    const t = clock.now();
    await newRequest(store, accountId, t + 15_000);
    await newRequest(store, accountId, t + 50_000);
    await newRequest(store, accountId, t + 70_000);
    const byDefault = scheduler('controller-1');
    // Not started: a schedule given here never ticks; the test sweeps by hand.
    const halfMinutely = scheduler('controller-2', { sweepCron: '*/30 * * * * *' });
    expect((await byDefault.sweep(t)).enqueued).toBe(1);
    expect((await halfMinutely.sweep(t)).enqueued).toBe(2);
  });

  it('marks a request whose instance died mid-dial failed (CONTROLLER_LOST) once its lease ran out, by default', async () => {
    const request = await newRequest(store, accountId, clock.now());
    await takenByDeadInstance(request);
    const survivor = scheduler('controller-2');
    expect((await survivor.sweep(clock.now() + LEASE)).recovered).toBe(0);

    const result = await survivor.sweep(clock.now() + LEASE + 1);
    expect(result).toMatchObject({ recovered: 1, errors: 0 });
    expect(await store.callbackRequests.findById(request.id)).toMatchObject({
      state: 'failed',
      lastCause: 'CONTROLLER_LOST',
      claimedBy: null,
      leaseUntil: null,
    });
    expect((await survivor.sweep(clock.now() + LEASE + 2)).recovered).toBe(0);
  });

  it('hands a lost request to recover() exactly once, however many instances sweep', async () => {
    const request = await newRequest(store, accountId, clock.now());
    await takenByDeadInstance(request);
    const recovered: CallbackRequest[] = [];
    const recover = (lost: CallbackRequest) => {
      recovered.push(lost);
      return Promise.resolve();
    };
    const a = scheduler('controller-a', { recover });
    const b = scheduler('controller-b', { recover });
    const later = clock.now() + LEASE + 1;
    await Promise.all([a.sweep(later), b.sweep(later), a.sweep(later), b.sweep(later)]);

    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ id: request.id, state: 'dialing_a', leaseUntil: later + LEASE });
    expect(['controller-a', 'controller-b']).toContain(recovered[0]?.claimedBy);
  });

  it('leaves a request alone while its instance keeps the lease', async () => {
    const request = await newRequest(store, accountId, clock.now());
    await takenByDeadInstance(request);
    expect(await store.callbackRequests.renewLease(request.id, 'dead-controller', clock.now() + LEASE, LEASE)).toBe(true);
    const result = await scheduler('controller-2').sweep(clock.now() + LEASE + 1);
    expect(result.recovered).toBe(0);
    expect(await store.callbackRequests.findById(request.id)).toMatchObject({ state: 'dialing_a', claimedBy: 'dead-controller' });
  });

  it('retries a recovery that failed at the next sweep', async () => {
    const request = await newRequest(store, accountId, clock.now());
    await takenByDeadInstance(request);
    let calls = 0;
    const survivor = scheduler('controller-2', {
      recover: () => (++calls === 1 ? Promise.reject(new Error('FreeSWITCH unreachable')) : Promise.resolve()),
    });
    const first = clock.now() + LEASE + 1;
    expect(await survivor.sweep(first)).toMatchObject({ recovered: 0, errors: 1 });
    expect(await survivor.sweep(first + 10_000)).toMatchObject({ recovered: 1, errors: 0 });
    expect(calls).toBe(2);
  });

  it("keeps a live instance's leases alive (heartbeat), so only a dead instance's requests are recovered", async () => {
    const mine = await newRequest(store, accountId, clock.now());
    const theirs = await newRequest(store, accountId, clock.now());
    await takenByDeadInstance(theirs);
    const spy = dialSpy();
    const live = scheduler('controller-1', { dial: spy.dial });
    await live.start();
    await eventually(() => spy.calls.length === 1, 'the start-up sweep to dial');
    expect(spy.ids()).toEqual([mine.id]);
    for (let i = 0; i < 6; i += 1) {
      await clock.advance(LEASE / 3);
      const target = clock.now() + LEASE;
      // Renewed, and the next beat armed (the only timer on the clock), before time moves on.
      await eventually(async () => (await store.callbackRequests.findById(mine.id))?.leaseUntil === target && clock.pending === 1, 'a heartbeat');
    }
    const recovering = scheduler('controller-2');
    await recovering.sweep(clock.now());
    expect(await store.callbackRequests.findById(mine.id)).toMatchObject({ state: 'dialing_a', claimedBy: 'controller-1' });
    expect(await store.callbackRequests.findById(theirs.id)).toMatchObject({ state: 'failed', lastCause: 'CONTROLLER_LOST' });
  });

  it('recovers a request whose dial() threw at the next sweep', async () => {
    const request = await newRequest(store, accountId, clock.now());
    const failing = scheduler('controller-1', { dial: () => Promise.reject(new Error('no node')) });
    await failing.start();
    await eventually(async () => (await failing.counts()).failed === 1, 'the dial to fail');
    expect(await store.callbackRequests.findById(request.id)).toMatchObject({ state: 'dialing_a', claimedBy: 'controller-1' });
    // The next sweep, without waiting for the lease: a failed dial gives its lease up.
    await clock.advance(10_000);
    expect((await failing.sweep()).recovered).toBe(1);
    expect(await store.callbackRequests.findById(request.id)).toMatchObject({ state: 'failed', lastCause: 'CONTROLLER_LOST' });
  });

  it('expires requests that waited past the maximum age, reports them and never dials them', async () => {
    const old = await newRequest(store, accountId, clock.now() - 24 * HOUR - 1);
    const oldRetry = await newRequest(store, accountId, clock.now() - 30 * HOUR, { state: 'retry_scheduled' });
    const recent = await newRequest(store, accountId, clock.now() - 23 * HOUR);
    const spy = dialSpy();
    const expired: string[] = [];
    const instance = scheduler('controller-1', {
      dial: spy.dial,
      onExpired: (request) => {
        expired.push(request.id);
        return Promise.resolve();
      },
    });
    // A job was waiting for the old one (queued before a long outage): still not dialed.
    await instance.schedule(old.id, old.dueAt);
    await instance.start();
    await eventually(() => spy.calls.length === 1, 'the recent request to be dialed');
    await eventually(async () => (await instance.counts()).active === 0, 'the queue to go idle');

    expect(spy.ids()).toEqual([recent.id]);
    expect([...expired].sort()).toEqual([old.id, oldRetry.id].sort());
    for (const id of [old.id, oldRetry.id]) {
      expect(await store.callbackRequests.findById(id)).toMatchObject({ state: 'failed', lastCause: 'SCHEDULE_EXPIRED', claimedBy: null });
    }
    expect((await instance.sweep()).expired).toBe(0);
  });

  it('enqueues waiting requests due within the lookahead, all of them, and nothing else', async () => {
    const requests = createStore(getDb(), () => clock.now()).callbackRequests;
    const queue = new MemoryDialQueue({ clock, logger: testLogger() });
    const sweeper = new Sweeper({
      db: getDb(),
      requests,
      queue,
      logger: testLogger(),
      instanceId: 'controller-1',
      leaseMs: LEASE,
      lookaheadMs: MINUTE,
      maxAgeMs: 24 * HOUR,
      batchSize: 3,
    });
    // Several share a due time, so the pages must split ties correctly.
    const soon = await Promise.all(Array.from({ length: 10 }, (_, i) => newRequest(store, accountId, clock.now() + (i % 4) * 10_000)));
    await newRequest(store, accountId, clock.now() + MINUTE + 1);
    await newRequest(store, accountId, clock.now(), { state: 'dialing_a' });
    await newRequest(store, accountId, clock.now(), { state: 'completed' });

    // The active one nobody holds is not enqueued but recovered (stuck-requests.test.ts).
    expect(await sweeper.sweep(clock.now())).toMatchObject({ checked: 10, enqueued: 10, recovered: 1, expired: 0, errors: 0, reads: 6 });
    expect(await queue.counts()).toEqual({ waiting: 3, delayed: 7, active: 0, failed: 0 });
    // Idempotent: the same jobs again, each checked, none added.
    expect(await sweeper.sweep(clock.now())).toMatchObject({ checked: 10, enqueued: 0 });
    expect(await queue.counts()).toEqual({ waiting: 3, delayed: 7, active: 0, failed: 0 });
    const fired: string[] = [];
    await queue.start((id) => {
      fired.push(id);
      return Promise.resolve();
    });
    await clock.advance(MINUTE);
    expect([...fired].sort()).toEqual(soon.map((request) => request.id).sort());
    await queue.stop();
  });

  it('walks the due rows of every due state in one due order (ties by id), page after page, each once', async () => {
    const at = clock.now();
    // Both due states interleaved, several rows per due time (ties across page ends), and rows outside the walk.
    const rows = await Promise.all(
      Array.from({ length: 11 }, (_, i) => newRequest(store, accountId, at + Math.floor(i / 3) * 1_000, i % 2 === 0 ? {} : { state: 'retry_scheduled' })),
    );
    await newRequest(store, accountId, at + MINUTE + 1);
    await newRequest(store, accountId, at, { state: 'cancelled' });
    const expected = rows.map((row) => ({ id: row.id, dueAt: row.dueAt })).sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const walked: DueRef[] = [];
    let after: DueRef | null = null;
    for (let page = 0; page < 10; page += 1) {
      const next = await dueBetweenPage(getDb(), DUE_STATES, { from: at - HOUR, until: at + MINUTE }, after, 4);
      walked.push(...next);
      if (next.length < 4) break;
      after = next[next.length - 1] ?? null;
    }
    expect(walked).toEqual(expected);
  });

  it('stops the due walk at its time budget, earliest first, and the next sweep goes on', async () => {
    const requests = createStore(getDb(), () => clock.now()).callbackRequests;
    const queue = new MemoryDialQueue({ clock, logger: testLogger() });
    const sweeper = new Sweeper({ db: getDb(), requests, queue, logger: testLogger(), instanceId: 'controller-1', leaseMs: LEASE, lookaheadMs: MINUTE, maxAgeMs: 24 * HOUR, batchSize: 3 });
    const due = await Promise.all(Array.from({ length: 7 }, (_, i) => newRequest(store, accountId, clock.now() + (i + 1) * 1_000)));

    // A budget already spent: one page, the three due first.
    expect(await sweeper.sweep(clock.now(), { budgetMs: 0 })).toMatchObject({ checked: 3, enqueued: 3, cutShort: true, reads: 3 });
    expect(await queue.counts()).toMatchObject({ delayed: 3 });
    expect(await sweeper.sweep(clock.now())).toMatchObject({ checked: 7, enqueued: 4, cutShort: false, reads: 5 });
    expect(await queue.counts()).toMatchObject({ delayed: due.length });
    await queue.stop();
  });
});
