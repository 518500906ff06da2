import { testLogger } from '../../lib/log/logger';
import { createScheduler, type Scheduler } from '../../lib/scheduler/scheduler';
import type { DialFn } from '../../lib/scheduler/dispatcher';
import { zonedTimeToEpochMs } from '../../lib/scheduler/local-time';
import { createStore, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from '../store/fixtures';
import { describeEachQueue, dialSpy, eventually, newRequest, uniquePrefix, type QueueKind } from './support';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describeEachDatabase('scheduler', (getDb) => {
  let store: Store;
  let account: { id: number; timeZone: string };

  beforeAll(async () => {
    store = createStore(getDb());
    account = await accountWithBalance(store, 0, { timeZone: 'Europe/Berlin' });
  });

  afterEach(async () => {
    await getDb()('callback_requests').del();
  });

  describeEachQueue('scheduler', (kind: QueueKind) => {
    const started: Scheduler[] = [];

    afterEach(async () => {
      await Promise.all(started.splice(0).map((scheduler) => scheduler.stop()));
    });

    /** An instance of the controller; the same prefix is the same Redis deployment. */
    function instance(clock: ManualClock, prefix: string, instanceId: string, dial: DialFn, concurrency?: number): Scheduler {
      const scheduler = createScheduler({
        ...(concurrency === undefined ? {} : { concurrency }),
        settings: kind.settings(prefix),
        db: getDb(),
        clock,
        logger: testLogger(),
        instanceId,
        dial,
        // Tests sweep by hand, at the ManualClock's time, where node-cron would in production.
        sweepCron: null,
      });
      started.push(scheduler);
      return scheduler;
    }

    /** Time passes; each instance's periodic sweep runs, as the cron would have by now. */
    async function tick(clock: ManualClock, ms: number, ...schedulers: Scheduler[]): Promise<void> {
      await clock.advance(ms);
      for (const scheduler of schedulers) await scheduler.sweep(clock.now());
    }

    /** Waits for the database and Redis work the clock started to finish; asserts nothing about time. */
    async function settle(calls: () => number, expected: number, ...schedulers: Scheduler[]): Promise<void> {
      await eventually(() => calls() >= expected, `${expected} dial(s)`);
      await eventually(async () => {
        for (const scheduler of schedulers) {
          const counts = await scheduler.counts();
          if (counts.waiting + counts.active > 0) return false;
        }
        return true;
      }, 'the queues to go idle');
    }

    it("fires a request scheduled for 12:00 in the account's zone when the clock passes it, not before, exactly once", async () => {
      // A DST change day: 12:00 in Berlin is 10:00 UTC on it (summer time), though the day began on winter time.
      const clock = new ManualClock(Date.UTC(2026, 2, 29, 0, 30));
      const dueAt = zonedTimeToEpochMs({ year: 2026, month: 3, day: 29, hour: 12, minute: 0 }, account.timeZone);
      expect(dueAt).toBe(Date.UTC(2026, 2, 29, 10, 0));
      const request = await newRequest(store, account.id, dueAt);
      const spy = dialSpy();
      const scheduler = instance(clock, uniquePrefix(), 'controller-1', spy.dial);
      await scheduler.start();
      await scheduler.schedule(request.id, dueAt);

      await tick(clock, dueAt - 1000 - clock.now(), scheduler);
      expect(await scheduler.counts()).toEqual({ waiting: 0, delayed: 1, active: 0, failed: 0 });
      expect(spy.calls).toHaveLength(0);

      await tick(clock, 1000, scheduler);
      await settle(() => spy.calls.length, 1, scheduler);
      expect(spy.ids()).toEqual([request.id]);
      expect(spy.calls[0]).toMatchObject({ state: 'dialing_a', claimedBy: 'controller-1', leaseUntil: dueAt + 2 * MINUTE });

      for (let i = 0; i < 3; i += 1) await tick(clock, 10_000, scheduler);
      await settle(() => spy.calls.length, 1, scheduler);
      expect(spy.calls).toHaveLength(1);
    });

    it("still fires once when the queue's storage is flushed while the request waits", async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const prefix = uniquePrefix();
      const dueAt = clock.now() + 2 * HOUR;
      const request = await newRequest(store, account.id, dueAt);
      const spy = dialSpy();
      const scheduler = instance(clock, prefix, 'controller-1', spy.dial);
      await scheduler.start();
      await scheduler.schedule(request.id, dueAt);
      expect((await scheduler.counts()).delayed).toBe(1);

      await kind.flush(prefix);
      if (kind.name === 'bullmq') expect(await scheduler.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });

      // The sweep before the due time puts it back (within its lookahead) ...
      await tick(clock, 2 * HOUR - 15_000, scheduler);
      expect((await scheduler.counts()).delayed).toBe(1);
      expect(spy.calls).toHaveLength(0);
      // ... and it fires at its time, once.
      await tick(clock, 15_000, scheduler);
      await settle(() => spy.calls.length, 1, scheduler);
      await tick(clock, 10_000, scheduler);
      await settle(() => spy.calls.length, 1, scheduler);
      expect(spy.ids()).toEqual([request.id]);
    });

    it.each([
      ['sharing one queue deployment (memory: each has its own anyway)', true],
      ['each holding its own job for every request', false],
    ])('dials each of 50 requests exactly once with two controller instances %s', async (_label, shared) => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const requests = await Promise.all(Array.from({ length: 50 }, (_, i) => newRequest(store, account.id, clock.now() - i)));
      const spy = dialSpy();
      const prefix = uniquePrefix();
      const a = instance(clock, prefix, 'controller-a', spy.dial);
      const b = instance(clock, shared ? prefix : uniquePrefix(), 'controller-b', spy.dial);
      // Both hear of every request (say, from their own API) before their workers start, so that
      // with separate queues both workers race through the same requests: still one call each.
      await Promise.all(requests.flatMap((request) => [a.schedule(request.id, request.dueAt), b.schedule(request.id, request.dueAt)]));
      await Promise.all([a.start(), b.start()]);
      await settle(() => spy.calls.length, 50, a, b);
      await tick(clock, 10_000, a, b);
      await settle(() => spy.calls.length, 50, a, b);

      expect([...spy.ids()].sort()).toEqual(requests.map((request) => request.id).sort());
      const owners = new Set(spy.calls.map((call) => call.claimedBy));
      expect([...owners].every((owner) => owner === 'controller-a' || owner === 'controller-b')).toBe(true);
    });

    it('fires due requests after a process restart, including those that fell due while it was down', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const prefix = uniquePrefix();
      const duringDowntime = await newRequest(store, account.id, clock.now() + HOUR);
      const later = await newRequest(store, account.id, clock.now() + 3 * HOUR);
      const before = dialSpy();
      const first = instance(clock, prefix, 'controller-1', before.dial);
      await first.start();
      await first.schedule(duringDowntime.id, duringDowntime.dueAt);
      await first.schedule(later.id, later.dueAt);
      await first.stop();

      await clock.advance(2 * HOUR);
      const after = dialSpy();
      const second = instance(clock, prefix, 'controller-1', after.dial);
      await second.start();
      await settle(() => after.calls.length, 1, second);
      expect(after.ids()).toEqual([duringDowntime.id]);

      await tick(clock, HOUR - 30_000, second);
      await tick(clock, 29_000, second);
      expect(after.calls).toHaveLength(1);
      await tick(clock, 1000, second);
      await settle(() => after.calls.length, 2, second);
      expect(after.ids()).toEqual([duringDowntime.id, later.id]);
      expect(before.calls).toHaveLength(0);
    });

    it('gives no second job to a due row whose job this process holds, waiting for a handler (BullMQ ended it at the hand-over)', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const dialed: string[] = [];
      let releaseBusy: () => void = () => undefined;
      const busyDial = new Promise<void>((resolve) => (releaseBusy = resolve));
      const scheduler = instance(clock, uniquePrefix(), 'controller-1', (request) => (dialed.push(request.id), dialed.length === 1 ? busyDial : Promise.resolve()), 1);
      await scheduler.start();
      const soon = await newRequest(store, account.id, clock.now() + 1_000);
      await scheduler.schedule(soon.id, soon.dueAt);
      // BullMQ hands it over (within 2 s of its due time) and it is held here; the memory queue holds it anyway.
      await eventually(async () => JSON.stringify(await scheduler.counts()) === JSON.stringify({ waiting: 0, delayed: 1, active: 0, failed: 0 }), 'the job to be held');
      const busy = await newRequest(store, account.id, clock.now());
      await scheduler.schedule(busy.id, busy.dueAt);
      await eventually(() => dialed.length === 1, 'the busy dial to start');

      // Due now, and waiting behind the busy dial for the one handler.
      await clock.advance(1_000);
      expect(await scheduler.sweep(clock.now())).toMatchObject({ checked: 1, enqueued: 0 });
      releaseBusy();
      await settle(() => dialed.length, 2, scheduler);
      expect(await scheduler.sweep(clock.now())).toMatchObject({ checked: 0, enqueued: 0 });
      expect(dialed).toEqual([busy.id, soon.id]);
      expect(await scheduler.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
    });

    it('picks up between sweeps a due row another process wrote (the CLI), once, and nothing not yet due', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const spy = dialSpy();
      const service = instance(clock, uniquePrefix(), 'controller-1', spy.dial);
      await service.start();
      // Written straight to the database, as the CLI does: no job in this process's queue.
      const now = await newRequest(store, account.id, clock.now());
      const later = await newRequest(store, account.id, clock.now() + HOUR);
      expect(await service.pickUp(clock.now())).toBe(1);
      await settle(() => spy.calls.length, 1, service);
      expect(spy.ids()).toEqual([now.id]);
      expect(later.dueAt).toBeGreaterThan(clock.now());
    });

    it('dials a retry of the same request as a new job, even one scheduled from inside dial()', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const request = await newRequest(store, account.id, clock.now());
      const retryAt = clock.now() + 5 * MINUTE;
      const attempts: number[] = [];
      let scheduler: Scheduler | null = null;
      // Leg A is busy on the first attempt: the engine schedules a retry while the job still runs.
      const dial: DialFn = async (claimed) => {
        attempts.push(clock.now());
        if (attempts.length > 1) return;
        await store.callbackRequests.transition(claimed.id, 'dialing_a', 'retry_scheduled', {
          dueAt: retryAt,
          lastCause: 'USER_BUSY',
          release: true,
        });
        await scheduler?.schedule(claimed.id, retryAt);
      };
      scheduler = instance(clock, uniquePrefix(), 'controller-1', dial);
      await scheduler.start();
      await settle(() => attempts.length, 1, scheduler);
      expect((await scheduler.counts()).delayed).toBe(1);

      await tick(clock, 5 * MINUTE - 1000, scheduler);
      expect(attempts).toHaveLength(1);
      await tick(clock, 1000, scheduler);
      await settle(() => attempts.length, 2, scheduler);
      // Each claim counted its attempt.
      expect(await store.callbackRequests.findById(request.id)).toMatchObject({ state: 'dialing_a', attempts: 2 });
    });

    it('cancels a waiting request: its job is removed and it never fires', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const dueAt = clock.now() + 10 * MINUTE;
      const request = await newRequest(store, account.id, dueAt);
      const spy = dialSpy();
      const scheduler = instance(clock, uniquePrefix(), 'controller-1', spy.dial);
      await scheduler.start();
      await scheduler.schedule(request.id, dueAt);
      expect((await scheduler.counts()).delayed).toBe(1);

      expect(await scheduler.cancel(request.id)).toBe(true);
      expect(await scheduler.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
      expect(await store.callbackRequests.findById(request.id)).toMatchObject({ state: 'cancelled', lastCause: 'CANCELLED' });

      await tick(clock, 11 * MINUTE, scheduler);
      await tick(clock, 10_000, scheduler);
      expect(await scheduler.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
      expect(spy.calls).toHaveLength(0);
      expect(await scheduler.cancel(request.id)).toBe(false);
    });
  });
});
