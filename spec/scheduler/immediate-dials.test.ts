import { testLogger } from '../../lib/log/logger';
import { ImmediateDials, type DialSlot } from '../../lib/scheduler/immediate-dials';
import { createScheduler, type Scheduler, type SchedulerOptions } from '../../lib/scheduler/scheduler';
import type { DialFn } from '../../lib/scheduler/dispatcher';
import { createStore, type CallbackRequest, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from '../store/fixtures';
import { describeEachQueue, dialSpy, eventually, newRequest, uniquePrefix, type QueueKind } from './support';

const MINUTE = 60_000;
const DEFAULT_LEASE = 2 * MINUTE;
const IDLE = { waiting: 0, delayed: 0, active: 0, failed: 0 };

describeEachDatabase('an order due now, inserted claimed and dialed by the process that took it', (getDb) => {
  let store: Store;
  let accountId: number;

  beforeAll(async () => {
    store = createStore(getDb());
    accountId = (await accountWithBalance(store, 0)).id;
  });

  afterEach(async () => {
    await getDb()('callback_requests').del();
  });

  describeEachQueue('immediate dial', (kind: QueueKind) => {
    const started: Scheduler[] = [];

    afterEach(async () => {
      await Promise.all(started.splice(0).map((scheduler) => scheduler.stop()));
    });

    async function instance(clock: ManualClock, prefix: string, instanceId: string, dial: DialFn, extra: Partial<SchedulerOptions> = {}): Promise<Scheduler> {
      const scheduler = createScheduler({ settings: kind.settings(prefix), db: getDb(), clock, logger: testLogger(), instanceId, dial, sweepCron: null, ...extra });
      started.push(scheduler);
      await scheduler.start();
      return scheduler;
    }

    /** What an order does with a place: its row inserted claimed, then dialed. */
    async function orderWith(slot: DialSlot, dueAt: number): Promise<CallbackRequest> {
      const request = await newRequest(store, accountId, dueAt, { state: 'dialing_a', claimedFor: slot.claim });
      slot.dial(request);
      slot.release();
      return request;
    }

    it('gives a due order a place whose insert is the claim: dialed from that row, with no claim UPDATE, no job, and no sweep dials it again', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const spy = dialSpy();
      const scheduler = await instance(clock, uniquePrefix(), 'controller-1', spy.dial);
      const slot = scheduler.dialAtOnce(clock.now());
      expect(slot?.claim).toEqual({ instanceId: 'controller-1', leaseUntil: clock.now() + DEFAULT_LEASE });

      const updates: string[] = [];
      const onQuery = (query: { sql: string }): void => void (/^\s*update/i.test(query.sql) && updates.push(query.sql));
      getDb().on('query', onQuery);
      const request = await orderWith(slot!, clock.now());
      await eventually(() => spy.calls.length === 1, 'the dial');
      getDb().removeListener('query', onQuery);

      expect(updates).toEqual([]);
      expect(request).toMatchObject({ state: 'dialing_a', attempts: 1, claimedBy: 'controller-1', leaseUntil: clock.now() + DEFAULT_LEASE, version: 1 });
      // The copy the dial got is the row, although nothing read it.
      expect(spy.calls).toEqual([request]);
      expect(await store.callbackRequests.findById(request.id)).toEqual(request);
      expect(await scheduler.counts()).toEqual(IDLE);

      for (let i = 0; i < 3; i += 1) {
        await clock.advance(10_000);
        await scheduler.sweep(clock.now());
      }
      expect(await scheduler.counts()).toEqual(IDLE);
      expect(spy.calls).toHaveLength(1);
    });

    it('gives no place to an order not yet due, or due longer ago than the maximum age: it waits for its job as before', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const spy = dialSpy();
      const scheduler = await instance(clock, uniquePrefix(), 'controller-1', spy.dial, { maxAgeMs: 60 * MINUTE });
      expect(scheduler.dialAtOnce(clock.now() + 1)).toBeNull();
      expect(scheduler.dialAtOnce(clock.now() - 60 * MINUTE - 1)).toBeNull();
      const oldest = scheduler.dialAtOnce(clock.now() - 60 * MINUTE);
      expect(oldest).not.toBeNull();
      // A place not given back would hold the scheduler's stop.
      oldest?.release();

      const request = await newRequest(store, accountId, clock.now() + MINUTE);
      await scheduler.schedule(request.id, request.dueAt);
      expect(spy.calls).toHaveLength(0);
      expect((await scheduler.counts()).delayed).toBe(1);
    });

    it('dials each order only in the instance that inserted it, whatever jobs and sweeps the other runs', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const first = dialSpy();
      const second = dialSpy();
      const prefix = uniquePrefix();
      const a = await instance(clock, prefix, 'controller-a', first.dial);
      const b = await instance(clock, prefix, 'controller-b', second.dial);
      const ordered = await Promise.all(
        Array.from({ length: 10 }, async (_, index) => {
          const taker = index % 2 === 0 ? a : b;
          const slot = taker.dialAtOnce(clock.now());
          if (!slot) throw new Error('no place for an order due now');
          return orderWith(slot, clock.now());
        }),
      );
      // Jobs for every row on both instances, as a stray enqueue or a sweep elsewhere would give them.
      await Promise.all(ordered.flatMap((request) => [a.schedule(request.id, request.dueAt), b.schedule(request.id, request.dueAt)]));
      await eventually(async () => (await a.counts()).waiting + (await a.counts()).active + (await b.counts()).waiting + (await b.counts()).active === 0, 'the queues to go idle');
      await clock.advance(10_000);
      await a.sweep(clock.now());
      await b.sweep(clock.now());

      const byA = ordered.filter((request) => request.claimedBy === 'controller-a').map((request) => request.id);
      expect(first.ids().sort()).toEqual(byA.sort());
      expect(second.ids().sort()).toEqual(ordered.filter((request) => request.claimedBy === 'controller-b').map((request) => request.id).sort());
      expect(first.calls.length + second.calls.length).toBe(10);
    });

    it('gives no place when switched off, when a rate limit must pace every dial, or once stopping', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      for (const extra of [{ dialDueOrdersAtOnce: false }, { rateLimit: { max: 100, durationMs: 1000 } }]) {
        const scheduler = createScheduler({ settings: kind.settings(uniquePrefix()), db: getDb(), clock, logger: testLogger(), instanceId: 'controller-1', dial: dialSpy().dial, sweepCron: null, ...extra });
        started.push(scheduler);
        expect(scheduler.dialAtOnce(clock.now())).toBeNull();
      }
      const stopping = await instance(clock, uniquePrefix(), 'controller-1', dialSpy().dial);
      await stopping.stop();
      expect(stopping.dialAtOnce(clock.now())).toBeNull();
    });
  });
});

describe('ImmediateDials', () => {
  const claim = { instanceId: 'controller-1', leaseUntil: 1 };

  function claimed(id: string): CallbackRequest {
    return { id } as CallbackRequest;
  }

  function deferred(): { promise: Promise<void>; resolve: () => void } {
    let resolve = (): void => undefined;
    const promise = new Promise<void>((done) => (resolve = done));
    return { promise, resolve };
  }

  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('has at most `concurrency` places, each freed when its dial ends (even a failed one) or when its order gives it back', async () => {
    const dials = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    const dispatcher = {
      dial: (request: CallbackRequest): Promise<void> => {
        const dial = deferred();
        dials.set(request.id, dial);
        return request.id === 'r2' ? dial.promise.then(() => Promise.reject(new Error('no route'))) : dial.promise;
      },
    };
    const immediate = new ImmediateDials(dispatcher, 2, testLogger());
    const one = immediate.take(claim);
    const two = immediate.take(claim);
    expect(one?.claim).toBe(claim);
    expect(immediate.take(claim)).toBeNull();

    // An order that wrote nothing gives its place back; a second release frees nothing more.
    two?.release();
    two?.release();
    await tick();
    const three = immediate.take(claim);
    expect(three).not.toBeNull();
    expect(immediate.take(claim)).toBeNull();

    one?.dial(claimed('r1'));
    three?.dial(claimed('r2'));
    // The order's release after its dial keeps the place until the dial ends.
    one?.release();
    three?.release();
    await tick();
    expect(immediate.take(claim)).toBeNull();
    dials.get('r2')?.resolve();
    await tick();
    await tick();
    const four = immediate.take(claim);
    expect(four).not.toBeNull();
    four?.dial(claimed('r4'));

    let stopped = false;
    const stopping = immediate.stop().then(() => (stopped = true));
    expect(immediate.take(claim)).toBeNull();
    dials.get('r1')?.resolve();
    await tick();
    expect(stopped).toBe(false);
    dials.get('r4')?.resolve();
    await stopping;
    expect([...dials.keys()]).toEqual(['r1', 'r2', 'r4']);
  });

  it('does not dial through a place given back, nor twice through one place', async () => {
    const dial = jest.fn(() => Promise.resolve());
    const immediate = new ImmediateDials({ dial }, 2, testLogger());
    const released = immediate.take(claim);
    released?.release();
    released?.dial(claimed('r1'));
    const used = immediate.take(claim);
    used?.dial(claimed('r2'));
    used?.dial(claimed('r3'));
    await immediate.stop();
    expect(dial.mock.calls).toEqual([[claimed('r2')]]);
  });
});
