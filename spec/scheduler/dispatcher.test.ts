import { testLogger } from '../../lib/log/logger';
import { claimForDial, claimManyForDial } from '../../lib/store/request-claims';
import { Dispatcher, type DialFn } from '../../lib/scheduler/dispatcher';
import { DUE_STATES } from '../../lib/scheduler/request-states';
import { createStore, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from '../store/fixtures';
import { dialSpy, newRequest } from './support';

const LEASE = 60_000;
const DAY = 24 * 3_600_000;

describeEachDatabase('dispatcher', (getDb) => {
  let store: Store;
  let accountId: number;
  let clock: ManualClock;

  beforeAll(async () => {
    store = createStore(getDb());
    accountId = (await accountWithBalance(store, 0)).id;
  });
  beforeEach(() => {
    clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0));
  });
  afterEach(async () => {
    await getDb()('callback_requests').del();
  });

  function dispatcher(instanceId: string, dial: DialFn): Dispatcher {
    const requests = createStore(getDb(), () => clock.now()).callbackRequests;
    return new Dispatcher({ db: getDb(), requests, clock, logger: testLogger(), instanceId, dial, leaseMs: LEASE, maxAgeMs: DAY });
  }

  it('claims a due request (state, attempt, owner, lease) and dials it, once', async () => {
    const request = await newRequest(store, accountId, clock.now() - 1000);
    const spy = dialSpy();
    const one = dispatcher('controller-1', spy.dial);
    expect(await one.dispatch(request.id)).toBe('dialed');
    expect(spy.calls).toEqual([expect.objectContaining({ id: request.id, state: 'dialing_a', attempts: 1, claimedBy: 'controller-1', leaseUntil: clock.now() + LEASE })]);
    expect(spy.calls[0]?.version).toBe(request.version + 1);
    // The dialer gets the claimed row without a second read: the copy is the row, column for column.
    expect(spy.calls[0]).toEqual(await store.callbackRequests.findById(request.id));
    expect(await one.dispatch(request.id)).toBe('not_due_state');
    expect(spy.calls).toHaveLength(1);
  });

  it('starts a simultaneous-mode request with both legs, and takes a due retry', async () => {
    const simultaneous = await newRequest(store, accountId, clock.now(), { mode: 'simultaneous' });
    const retry = await newRequest(store, accountId, clock.now(), { state: 'retry_scheduled' });
    const spy = dialSpy();
    const one = dispatcher('controller-1', spy.dial);
    expect(await one.dispatch(simultaneous.id)).toBe('dialed');
    expect(await one.dispatch(retry.id)).toBe('dialed');
    expect(spy.calls.map((call) => call.state)).toEqual(['dialing_both', 'dialing_a']);
    expect(spy.calls.map((call) => call.attempts)).toEqual([simultaneous.attempts + 1, retry.attempts + 1]);
  });

  it('drops jobs for unknown, not yet due, no longer waiting, too old and otherwise held requests', async () => {
    const spy = dialSpy();
    const one = dispatcher('controller-1', spy.dial);
    const early = await newRequest(store, accountId, clock.now() + 1);
    const cancelled = await newRequest(store, accountId, clock.now(), { state: 'cancelled' });
    const stale = await newRequest(store, accountId, clock.now() - DAY - 1);
    const held = await newRequest(store, accountId, clock.now());
    // Another live instance holds the due ones (early is not due, so not taken).
    expect(await store.callbackRequests.claimDue(clock.now(), 'controller-2', LEASE, 10, ['queued'])).toHaveLength(2);

    expect(await one.dispatch('00000000-0000-4000-8000-000000000000')).toBe('missing');
    expect(await one.dispatch(early.id)).toBe('not_yet_due');
    expect(await one.dispatch(cancelled.id)).toBe('not_due_state');
    expect(await one.dispatch(stale.id)).toBe('too_old');
    expect(await one.dispatch(held.id)).toBe('taken');
    expect(spy.calls).toHaveLength(0);
    expect(await store.callbackRequests.findById(early.id)).toMatchObject({ state: 'queued', version: early.version });
  });

  it('claims jobs fired together in one read and one UPDATE, each job with its own outcome', async () => {
    const spy = dialSpy();
    const one = dispatcher('controller-1', spy.dial);
    const due = await Promise.all(Array.from({ length: 6 }, () => newRequest(store, accountId, clock.now() - 1000)));
    const simultaneous = await newRequest(store, accountId, clock.now(), { mode: 'simultaneous' });
    const early = await newRequest(store, accountId, clock.now() + 1);
    const cancelled = await newRequest(store, accountId, clock.now(), { state: 'cancelled' });
    const stale = await newRequest(store, accountId, clock.now() - DAY - 1);
    const held = await newRequest(store, accountId, clock.now());
    // Another live instance holds it (as a claimDue of its own leaves a row).
    await getDb()('callback_requests').where({ id: held.id }).update({ claimed_by: 'controller-2', lease_until: clock.now() + LEASE });
    const missing = '00000000-0000-4000-8000-000000000000';
    // The first job starts a claim of its own; the rest fire while it runs and go in one batch.
    const jobs = [due[0]!.id, ...due.slice(1).map((r) => r.id), simultaneous.id, early.id, cancelled.id, stale.id, held.id, missing, due[1]!.id];
    const statements: string[] = [];
    const count = (query: { sql: string }): void => void statements.push(query.sql);
    getDb().on('query', count);
    const outcomes = await Promise.all(jobs.map((id) => one.dispatch(id))).finally(() => getDb().removeListener('query', count));

    expect(outcomes).toEqual([...due.map(() => 'dialed'), 'dialed', 'not_yet_due', 'not_due_state', 'too_old', 'taken', 'missing', 'taken']);
    // One read and one UPDATE for the first job, one read and one UPDATE per target state for the rest.
    expect(statements.filter((sql) => /^select/i.test(sql))).toHaveLength(2);
    expect(statements.filter((sql) => /^update/i.test(sql))).toHaveLength(3);
    expect([...spy.ids()].sort()).toEqual([...due.map((r) => r.id), simultaneous.id].sort());
    expect(spy.calls).toHaveLength(due.length + 1);
    for (const call of spy.calls) expect(call).toEqual(await store.callbackRequests.findById(call.id));
    expect(spy.calls.find((call) => call.id === simultaneous.id)?.state).toBe('dialing_both');
  });

  it('claims in a batch only the copies still current: a stale one loses, the others win', async () => {
    const fresh = await newRequest(store, accountId, clock.now());
    const changed = await newRequest(store, accountId, clock.now());
    // Moved (queued to queued, a new due time) after its copy was read: a new version.
    expect(await store.callbackRequests.transition(changed.id, 'queued', 'queued', { dueAt: clock.now() - 1 })).toBe(true);
    const options = { now: clock.now(), instanceId: 'controller-1', leaseMs: LEASE };
    const won = await claimManyForDial(getDb(), [fresh, changed].map((request) => ({ request, to: 'dialing_a' })), DUE_STATES, options);
    expect([...won]).toEqual([fresh.id]);
    expect(await store.callbackRequests.findById(changed.id)).toMatchObject({ state: 'queued', attempts: changed.attempts, claimedBy: null });
    expect(await store.callbackRequests.findById(fresh.id)).toMatchObject({ state: 'dialing_a', attempts: fresh.attempts + 1, claimedBy: 'controller-1' });
  });

  it('lets exactly one of many racing jobs on two instances dial', async () => {
    const requests = await Promise.all(Array.from({ length: 10 }, () => newRequest(store, accountId, clock.now())));
    const spy = dialSpy();
    const a = dispatcher('controller-a', spy.dial);
    const b = dispatcher('controller-b', spy.dial);
    const outcomes = await Promise.all(requests.flatMap((request) => [a, b, a, b].map((d) => d.dispatch(request.id))));
    expect(outcomes.filter((outcome) => outcome === 'dialed')).toHaveLength(10);
    expect([...spy.ids()].sort()).toEqual(requests.map((request) => request.id).sort());
  });

  it('rethrows a failing dial and gives the lease up, so that the next sweep recovers the request', async () => {
    const request = await newRequest(store, accountId, clock.now());
    const one = dispatcher('controller-1', () => Promise.reject(new Error('no FreeSWITCH node')));
    await expect(one.dispatch(request.id)).rejects.toThrow('no FreeSWITCH node');
    expect(await store.callbackRequests.findById(request.id)).toMatchObject({ state: 'dialing_a', claimedBy: 'controller-1', leaseUntil: clock.now() - 1 });
  });

  it('claims only through the compare-and-set: a stale copy loses', async () => {
    const request = await newRequest(store, accountId, clock.now());
    const options = { now: clock.now(), instanceId: 'controller-1', leaseMs: LEASE };
    expect(await claimForDial(getDb(), request, DUE_STATES, 'dialing_a', options)).toBe(true);
    expect(await claimForDial(getDb(), request, DUE_STATES, 'dialing_a', { ...options, instanceId: 'controller-2' })).toBe(false);
    // Only the winner counted an attempt.
    expect(await store.callbackRequests.findById(request.id)).toMatchObject({ attempts: request.attempts + 1 });
  });

  it('uses the firstState option for the state a claim moves to', async () => {
    const request = await newRequest(store, accountId, clock.now());
    const spy = dialSpy();
    const requests = createStore(getDb(), () => clock.now()).callbackRequests;
    const custom = new Dispatcher({ db: getDb(), requests, clock, logger: testLogger(), instanceId: 'c1', dial: spy.dial, leaseMs: LEASE, maxAgeMs: DAY, firstState: () => 'dialing_both' });
    expect(await custom.dispatch(request.id)).toBe('dialed');
    expect(spy.calls.map((call) => call.state)).toEqual(['dialing_both']);
  });
});
