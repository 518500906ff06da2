import { testLogger } from '../../lib/log/logger';
import type { ClaimResult } from '../../lib/scheduler/dispatcher';
import { ImmediateDials } from '../../lib/scheduler/immediate-dials';
import { createScheduler, type Scheduler, type SchedulerOptions } from '../../lib/scheduler/scheduler';
import type { DialFn } from '../../lib/scheduler/dispatcher';
import { createStore, type CallbackRequest, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from '../store/fixtures';
import { describeEachQueue, dialSpy, eventually, newRequest, uniquePrefix, type QueueKind } from './support';

const MINUTE = 60_000;
const IDLE = { waiting: 0, delayed: 0, active: 0, failed: 0 };

describeEachDatabase('an order due now, dialed by the process that took it', (getDb) => {
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

    it('claims and dials it before schedule() returns, with no job, and no sweep dials it again', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const spy = dialSpy();
      const scheduler = await instance(clock, uniquePrefix(), 'controller-1', spy.dial);
      const request = await newRequest(store, accountId, clock.now());

      await scheduler.schedule(request.id, request.dueAt, request);
      expect(spy.calls).toEqual([expect.objectContaining({ id: request.id, state: 'dialing_a', attempts: 1, claimedBy: 'controller-1' })]);
      // The copy the dial got is the row, although nothing read it.
      expect(spy.calls[0]).toEqual(await store.callbackRequests.findById(request.id));
      expect(await scheduler.counts()).toEqual(IDLE);

      for (let i = 0; i < 3; i += 1) {
        await clock.advance(10_000);
        await scheduler.sweep(clock.now());
      }
      expect(await scheduler.counts()).toEqual(IDLE);
      expect(spy.calls).toHaveLength(1);
    });

    it('gives a request not yet due its job, as without the copy', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const spy = dialSpy();
      const scheduler = await instance(clock, uniquePrefix(), 'controller-1', spy.dial);
      const request = await newRequest(store, accountId, clock.now() + MINUTE);

      await scheduler.schedule(request.id, request.dueAt, request);
      expect(spy.calls).toHaveLength(0);
      expect((await scheduler.counts()).delayed).toBe(1);
    });

    it('lets exactly one of two instances dial when both are handed the same new row at once', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const spy = dialSpy();
      const prefix = uniquePrefix();
      const a = await instance(clock, prefix, 'controller-a', spy.dial);
      const b = await instance(clock, prefix, 'controller-b', spy.dial);
      const requests = await Promise.all(Array.from({ length: 20 }, () => newRequest(store, accountId, clock.now())));

      await Promise.all(requests.flatMap((request) => [a.schedule(request.id, request.dueAt, request), b.schedule(request.id, request.dueAt, request)]));
      await eventually(async () => (await a.counts()).active + (await b.counts()).active === 0, 'the queues to go idle');
      await clock.advance(10_000);
      await a.sweep(clock.now());
      await b.sweep(clock.now());
      await eventually(async () => (await a.counts()).active + (await b.counts()).active === 0, 'the queues to go idle');

      expect([...spy.ids()].sort()).toEqual(requests.map((request) => request.id).sort());
    });

    it('leaves a request another instance took to that instance, and a stale copy to the queue, which drops it', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      const first = dialSpy();
      const second = dialSpy();
      const prefix = uniquePrefix();
      const a = await instance(clock, prefix, 'controller-a', first.dial);
      const b = await instance(clock, prefix, 'controller-b', second.dial);
      const request = await newRequest(store, accountId, clock.now());

      await a.schedule(request.id, request.dueAt, request);
      // The copy is stale now (the claim moved the row on): b's claim loses and b queues it instead.
      await b.schedule(request.id, request.dueAt, request);
      await eventually(async () => (await b.counts()).waiting + (await b.counts()).active === 0, 'the job to be dropped');

      expect(first.ids()).toEqual([request.id]);
      expect(second.calls).toHaveLength(0);
    });

    it('goes through the queue when switched off, or when a rate limit must pace every dial', async () => {
      const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
      for (const extra of [{ dialDueOrdersAtOnce: false }, { rateLimit: { max: 100, durationMs: 1000 } }]) {
        const spy = dialSpy();
        // The queue's worker is never started: a dial can only have come the immediate way.
        const scheduler = createScheduler({ settings: kind.settings(uniquePrefix()), db: getDb(), clock, logger: testLogger(), instanceId: 'controller-1', dial: spy.dial, sweepCron: null, ...extra });
        started.push(scheduler);
        const request = await newRequest(store, accountId, clock.now());
        await scheduler.schedule(request.id, request.dueAt, request);
        expect(spy.calls).toHaveLength(0);
        expect(await store.callbackRequests.findById(request.id)).toMatchObject({ state: 'queued', claimedBy: null });
      }
    });
  });
});

describe('ImmediateDials', () => {
  function claimed(id: string): CallbackRequest {
    return { id } as CallbackRequest;
  }

  function deferred(): { promise: Promise<void>; resolve: () => void } {
    let resolve = (): void => undefined;
    const promise = new Promise<void>((done) => (resolve = done));
    return { promise, resolve };
  }

  it('dials at most `concurrency` at once, frees a slot when a dial ends (even a failed one), and stop() waits for them', async () => {
    const dials = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    const dispatcher = {
      claim: (requestId: string): Promise<ClaimResult> => Promise.resolve({ won: true, claimed: claimed(requestId) }),
      dial: (request: CallbackRequest): Promise<void> => {
        const dial = deferred();
        dials.set(request.id, dial);
        return request.id === 'r2' ? dial.promise.then(() => Promise.reject(new Error('no route'))) : dial.promise;
      },
    };
    const immediate = new ImmediateDials(dispatcher, 2, testLogger());
    expect(await immediate.tryDial(claimed('r1'))).toBe(true);
    expect(await immediate.tryDial(claimed('r2'))).toBe(true);
    expect(await immediate.tryDial(claimed('r3'))).toBe(false);

    dials.get('r2')?.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await immediate.tryDial(claimed('r4'))).toBe(true);

    let stopped = false;
    const stopping = immediate.stop().then(() => (stopped = true));
    expect(await immediate.tryDial(claimed('r5'))).toBe(false);
    dials.get('r1')?.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    dials.get('r4')?.resolve();
    await stopping;
    expect([...dials.keys()]).toEqual(['r1', 'r2', 'r4']);
  });

  it('answers false, without throwing, when the claim is lost or fails', async () => {
    const outcomes: (() => Promise<ClaimResult>)[] = [() => Promise.resolve({ won: false, outcome: 'taken' }), () => Promise.reject(new Error('connection lost'))];
    for (const outcome of outcomes) {
      const dial = jest.fn(() => Promise.resolve());
      const immediate = new ImmediateDials({ claim: outcome, dial }, 2, testLogger());
      expect(await immediate.tryDial(claimed('r1'))).toBe(false);
      await immediate.stop();
      expect(dial).not.toHaveBeenCalled();
    }
  });
});
