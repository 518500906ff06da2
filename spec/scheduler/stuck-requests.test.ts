import { testLogger } from '../../lib/log/logger';
import { LeaseHeartbeat } from '../../lib/scheduler/lease-heartbeat';
import { ACTIVE_STATES, DUE_STATES } from '../../lib/scheduler/request-states';
import type { Scheduler } from '../../lib/scheduler/scheduler';
import { claimForDial } from '../../lib/store/request-claims';
import { createStore, type CallbackRequest, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from '../store/fixtures';
import { newRequest, sweepTestScheduler } from './support';

const LEASE = 60_000;

/*
 * The sweep proves no request stays in a non-final state for ever: whatever left a request active
 * without anyone working on it (a dead instance, a runner lost inside a live one, a lease given up
 * while the row stayed active), the request is found and handed to recovery.
 */
describeEachDatabase('sweep of stuck requests', (getDb) => {
  let store: Store;
  let accountId: number;
  let clock: ManualClock;
  let scheduler: Scheduler | undefined;
  let recovered: string[];

  beforeAll(async () => {
    store = createStore(getDb());
    accountId = (await accountWithBalance(store, 0)).id;
  });
  beforeEach(() => {
    clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
    recovered = [];
  });
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
    await getDb()('callback_requests').del();
  });

  function sweeperOf(instanceId: string): Scheduler {
    scheduler = sweepTestScheduler(getDb(), clock, instanceId, LEASE, {
      recover: (request: CallbackRequest) => {
        recovered.push(request.id);
        return Promise.resolve();
      },
    });
    return scheduler;
  }

  async function claimedBy(instanceId: string): Promise<CallbackRequest> {
    const request = await newRequest(store, accountId, clock.now());
    expect(await claimForDial(getDb(), request, DUE_STATES, 'dialing_a', { now: clock.now(), instanceId, leaseMs: LEASE })).toBe(true);
    return (await store.callbackRequests.findById(request.id))!;
  }

  /** controller-1's heartbeat, working on `owned`, telling `onLost` what it could not renew. */
  function heartbeatOf(owned: () => readonly string[], onLost?: (ids: readonly string[]) => void): LeaseHeartbeat {
    return new LeaseHeartbeat({ db: getDb(), clock, logger: testLogger(), instanceId: 'controller-1', activeStates: ACTIVE_STATES, leaseMs: LEASE, owned, ...(onLost ? { onLost } : {}) });
  }

  it('a request left active with no lease at all is found by the sweep and recovered', async () => {
    const request = await claimedBy('controller-1');
    await getDb()('callback_requests').where({ id: request.id }).update({ claimed_by: null, claim_token: null, lease_until: null });

    expect(await sweeperOf('controller-2').sweep(clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    expect(recovered).toEqual([request.id]);
    expect(await store.callbackRequests.findById(request.id)).toMatchObject({ claimedBy: 'controller-2' });
  });

  it('the heartbeat renews only the leases of requests its instance works on, so one stuck in a live process is recovered', async () => {
    const running = await claimedBy('controller-1');
    const stuck = await claimedBy('controller-1');
    const heartbeat = heartbeatOf(() => [running.id]);

    // The live instance keeps beating; only the request it has a runner for stays leased.
    for (let beat = 0; beat < 4; beat += 1) {
      await clock.advance(LEASE / 3);
      expect(await heartbeat.beat()).toBe(1);
    }
    expect(await sweeperOf('controller-1').sweep(clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    expect(recovered).toEqual([stuck.id]);
    expect((await store.callbackRequests.findById(running.id))?.leaseUntil).toBe(clock.now() + LEASE);
  });

  it('the heartbeat tells which of its requests it could not renew: taken over, released by a cancel elsewhere, run out, or gone', async () => {
    const kept = await claimedBy('controller-1');
    const takenOver = await claimedBy('controller-1');
    const released = await claimedBy('controller-1');
    const ranOut = await claimedBy('controller-1');
    await getDb()('callback_requests').where({ id: takenOver.id }).update({ claimed_by: 'controller-2' });
    await getDb()('callback_requests').where({ id: released.id }).update({ state: 'cancelled', claimed_by: null, claim_token: null, lease_until: null });
    await getDb()('callback_requests').where({ id: ranOut.id }).update({ lease_until: clock.now() - 1 });
    const reports: string[][] = [];
    const heartbeat = heartbeatOf(
      () => [kept.id, takenOver.id, released.id, ranOut.id, 'no-such-request'],
      (ids) => reports.push([...ids]),
    );

    expect(await heartbeat.beat()).toBe(1);
    expect(reports).toEqual([[takenOver.id, released.id, ranOut.id, 'no-such-request']]);
    // All renewed: nothing to report, and no second read.
    reports.length = 0;
    const quiet = heartbeatOf(() => [kept.id], (ids) => reports.push([...ids]));
    await clock.advance(LEASE / 3);
    expect(await quiet.beat()).toBe(1);
    expect(reports).toEqual([]);
  });

  it('a heartbeat renews however many calls its instance holds: past SQLite\'s 32,766 bound values', async () => {
    const kept = await claimedBy('controller-1');
    const others = Array.from({ length: 40_000 }, (_, i) => `not-a-request-${i}`);
    let lost: readonly string[] = [];
    const heartbeat = heartbeatOf(() => [...others, kept.id], (ids) => (lost = ids));
    expect(await heartbeat.beat()).toBe(1);
    expect(lost).toEqual(others);
  });

  it('a heartbeat with nothing to work on renews nothing', async () => {
    await claimedBy('controller-1');
    const heartbeat = heartbeatOf(() => []);
    expect(await heartbeat.beat()).toBe(0);
  });
});
