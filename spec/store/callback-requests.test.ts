import { randomUUID } from 'node:crypto';
import { createStore, InvalidStoreInput, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance, uniqueNumber } from './fixtures';

const T0 = Date.UTC(2030, 0, 1);

describeEachDatabase('callback requests', (getDb) => {
  let store: Store;
  let accountId: number;
  beforeAll(async () => {
    store = createStore(getDb(), () => T0);
    accountId = (await accountWithBalance(store, 0)).id;
  });

  /** Each test claims its own state name, so requests of other tests never count. */
  function newRequest(state: string, dueAt = T0) {
    return store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber(), destination: uniqueNumber(), dueAt, state });
  }

  it('creates a request with defaults and reads it back typed', async () => {
    const { request, created } = await store.callbackRequests.create({ accountId, trigger: 'web', source: uniqueNumber() });
    expect(created).toBe(true);
    expect(request).toMatchObject({
      accountId,
      trigger: 'web',
      destination: null,
      mode: 'source_first',
      dueAt: T0,
      attempts: 0,
      maxAttempts: 3,
      state: 'queued',
      stateChangedAt: T0,
      claimedBy: null,
      version: 0,
      data: {},
    });
    expect(await store.callbackRequests.findById(request.id)).toEqual(request);
  });

  it('inserts a request already claimed for dialing as a claim leaves it, and refuses such a row in a waiting state', async () => {
    const claimedFor = { instanceId: 'controller-1', leaseUntil: T0 + 60_000 };
    const { request } = await store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber(), state: 'dialing_a', claimedFor });
    expect(request).toMatchObject({ state: 'dialing_a', attempts: 1, claimedBy: 'controller-1', leaseUntil: T0 + 60_000, version: 1, stateChangedAt: T0 });
    expect(await store.callbackRequests.findById(request.id)).toEqual(request);
    const token = await getDb()('callback_requests').where({ id: request.id }).first('claim_token');
    expect(token.claim_token).toEqual(expect.any(String));

    const waiting = store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber(), claimedFor });
    await expect(waiting).rejects.toThrow(InvalidStoreInput);
    await expect(waiting).rejects.toThrow(/first active state/);
  });

  it('applies no claim when the idempotency key was used: only the order that wrote the row dials it', async () => {
    const input = { accountId, trigger: 'api' as const, source: uniqueNumber(), idempotencyKey: randomUUID() };
    const first = await store.callbackRequests.create(input);
    const again = await store.callbackRequests.create({ ...input, state: 'dialing_a', claimedFor: { instanceId: 'controller-2', leaseUntil: T0 + 60_000 } });
    expect(again).toEqual({ request: first.request, created: false });
    expect(await store.callbackRequests.findById(first.request.id)).toMatchObject({ state: 'queued', claimedBy: null, attempts: 0 });
  });

  it('returns the existing request for a repeated idempotency key, even when the calls race', async () => {
    const input = { accountId, trigger: 'api' as const, source: uniqueNumber(), idempotencyKey: randomUUID() };
    const first = await store.callbackRequests.create(input);
    const again = await store.callbackRequests.create({ ...input, source: uniqueNumber() });
    expect(again).toEqual({ request: first.request, created: false });

    const racedKey = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.callbackRequests.create({ ...input, idempotencyKey: racedKey })),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.request.id)).size).toBe(1);
  });

  it('scopes idempotency keys per account', async () => {
    const other = await accountWithBalance(store, 0);
    const key = randomUUID();
    const a = await store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber(), idempotencyKey: key });
    const b = await store.callbackRequests.create({ accountId: other.id, trigger: 'api', source: uniqueNumber(), idempotencyKey: key });
    expect(b.created).toBe(true);
    expect(b.request.id).not.toBe(a.request.id);
  });

  it('refuses malformed input before writing', async () => {
    await expect(store.callbackRequests.create({ accountId, trigger: 'api', source: '0301234' as never })).rejects.toThrow(InvalidStoreInput);
    await expect(
      store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber(), statusWebhookUrl: 'ftp://example.com/x' }),
    ).rejects.toThrow(InvalidStoreInput);
  });

  it('transitions only from the expected state (compare-and-set)', async () => {
    const { request } = await newRequest('t-cas');
    expect(await store.callbackRequests.transition(request.id, 'wrong-state', 'dialing')).toBe(false);
    const patch = { incrementAttempts: true, lastCause: 'x' };
    expect(await store.callbackRequests.transition(request.id, ['t-cas', 'other'], 'dialing', patch)).toBe(true);
    expect(await store.callbackRequests.transition(request.id, 't-cas', 'dialing')).toBe(false);
    const after = await store.callbackRequests.findById(request.id);
    expect(after).toMatchObject({ state: 'dialing', attempts: 1, lastCause: 'x', version: request.version + 1 });
    expect(await store.callbackRequests.transition(request.id, 'dialing', 'done', {}, { expectedVersion: request.version })).toBe(false);
    const current = { expectedVersion: request.version + 1 };
    expect(await store.callbackRequests.transition(request.id, 'dialing', 'done', { data: { note: 1 } }, current)).toBe(true);
    expect((await store.callbackRequests.findById(request.id))?.data).toEqual({ note: 1 });
  });

  it('lets exactly one of several racing transitions win', async () => {
    const { request } = await newRequest('t-race');
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => store.callbackRequests.transition(request.id, 't-race', `won-${i}`)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('never lets two racing claimers take the same due request', async () => {
    const state = 't-claim';
    const due = await Promise.all(Array.from({ length: 50 }, (_, i) => newRequest(state, T0 - i)));
    await newRequest(state, T0 + 60_000); // not due yet
    const [a, b] = await Promise.all([
      store.callbackRequests.claimDue(T0, 'instance-a', 30_000, 50, [state]),
      store.callbackRequests.claimDue(T0, 'instance-b', 30_000, 50, [state]),
    ]);
    const idsA = a.map((request) => request.id);
    const idsB = b.map((request) => request.id);
    expect(idsA.filter((id) => idsB.includes(id))).toEqual([]);
    expect(new Set([...idsA, ...idsB])).toEqual(new Set(due.map((result) => result.request.id)));
    expect(a.every((request) => request.claimedBy === 'instance-a' && request.leaseUntil === T0 + 30_000)).toBe(true);
    expect(b.every((request) => request.claimedBy === 'instance-b')).toBe(true);
    // Oldest first within one claim.
    expect([...a].sort((x, y) => x.dueAt - y.dueAt)).toEqual(a);
    expect(await store.callbackRequests.claimDue(T0 + 1000, 'instance-c', 30_000, 50, [state])).toEqual([]);
  });

  it('keeps claims disjoint with many claimers racing for small batches', async () => {
    const state = 't-many';
    const due = await Promise.all(Array.from({ length: 50 }, () => newRequest(state)));
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, i) => store.callbackRequests.claimDue(T0, `claimer-${i}`, 30_000, 12, [state])),
    );
    const ids = claims.flat().map((request) => request.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rest = await store.callbackRequests.claimDue(T0, 'sweeper', 30_000, 50, [state]);
    expect(new Set([...ids, ...rest.map((request) => request.id)])).toEqual(new Set(due.map((result) => result.request.id)));
  });

  it('respects the limit, and hands requests whose lease ran out to another instance', async () => {
    const state = 't-lease';
    await Promise.all([newRequest(state), newRequest(state), newRequest(state)]);
    const first = await store.callbackRequests.claimDue(T0, 'dead-instance', 10_000, 2, [state]);
    expect(first).toHaveLength(2);
    const [taken] = first;
    if (!taken) throw new Error('nothing claimed');
    expect(await store.callbackRequests.renewLease(taken.id, 'someone-else', T0, 10_000)).toBe(false);
    expect(await store.callbackRequests.renewLease(taken.id, 'dead-instance', T0 + 5_000, 10_000)).toBe(true);

    const beforeExpiry = await store.callbackRequests.claimDue(T0 + 9_000, 'survivor', 10_000, 10, [state]);
    expect(beforeExpiry).toHaveLength(1); // the third, never claimed
    const afterExpiry = await store.callbackRequests.claimDue(T0 + 15_001, 'survivor', 10_000, 10, [state]);
    expect(afterExpiry.map((request) => request.id).sort()).toEqual(first.map((request) => request.id).sort());
  });

  it('releases a claim on request, or with a transition back to waiting', async () => {
    const state = 't-release';
    const { request } = await newRequest(state);
    const [claimed] = await store.callbackRequests.claimDue(T0, 'i1', 60_000, 1, [state]);
    expect(claimed?.id).toBe(request.id);
    expect(await store.callbackRequests.releaseClaim(request.id, 'i2')).toBe(false);
    expect(await store.callbackRequests.releaseClaim(request.id, 'i1')).toBe(true);
    expect((await store.callbackRequests.claimDue(T0, 'i2', 60_000, 1, [state]))[0]?.id).toBe(request.id);

    expect(await store.callbackRequests.transition(request.id, state, state, { dueAt: T0 + 100, release: true, incrementAttempts: true })).toBe(true);
    expect(await store.callbackRequests.nextDueAt(T0, [state])).toBe(T0 + 100);
    const [retried] = await store.callbackRequests.claimDue(T0 + 100, 'i3', 60_000, 1, [state]);
    expect(retried).toMatchObject({ id: request.id, claimedBy: 'i3', attempts: 1 });
    expect(await store.callbackRequests.nextDueAt(T0, [state])).toBeNull();
  });

  it('lists and counts an account’s requests', async () => {
    const account = await accountWithBalance(store, 0);
    for (const state of ['queued', 'dialing', 'completed']) {
      await store.callbackRequests.create({ accountId: account.id, trigger: 'cli', source: uniqueNumber(), state });
    }
    expect(await store.callbackRequests.countInStates(account.id, ['queued', 'dialing'])).toBe(2);
    expect(await store.callbackRequests.list({ accountId: account.id })).toHaveLength(3);
    expect((await store.callbackRequests.list({ accountId: account.id, states: ['completed'] })).map((r) => r.state)).toEqual(['completed']);
    // Only those that have begun their current attempt (a leg row for it), when asked.
    const dialing = await store.callbackRequests.create({ accountId: account.id, trigger: 'cli', source: uniqueNumber(), state: 't-dialing' });
    const claimedOnly = await store.callbackRequests.create({ accountId: account.id, trigger: 'cli', source: uniqueNumber(), state: 't-dialing' });
    for (const { request } of [dialing, claimedOnly]) await store.callbackRequests.transition(request.id, 't-dialing', 't-dialing', { attempts: 2 });
    await store.legs.create({ uuid: randomUUID(), requestId: dialing.request.id, role: 'A', attempt: 2, number: uniqueNumber(), state: 'dialing' });
    // A leg of an earlier attempt does not count.
    await store.legs.create({ uuid: randomUUID(), requestId: claimedOnly.request.id, role: 'A', attempt: 1, number: uniqueNumber(), state: 'busy' });
    expect(await store.callbackRequests.countInStates(account.id, ['t-dialing'])).toBe(2);
    expect(await store.callbackRequests.countInStates(account.id, ['t-dialing'], { dialed: true })).toBe(1);
    // Whether there are at least n (A5), read up to the n-th only.
    const inProgress = ['queued', 'dialing', 't-dialing'];
    expect(await store.callbackRequests.hasInStates(account.id, inProgress, 4)).toBe(true);
    expect(await store.callbackRequests.hasInStates(account.id, inProgress, 5)).toBe(false);
    expect(await store.callbackRequests.hasInStates(account.id, ['t-dialing'], 1, { dialed: true })).toBe(true);
    expect(await store.callbackRequests.hasInStates(account.id, ['t-dialing'], 2, { dialed: true })).toBe(false);
    expect(await store.callbackRequests.hasInStates(account.id, ['completed'], 0)).toBe(true);
  });

  it('counts requests of a trigger created since an instant, per source and per account (A5)', async () => {
    const db = getDb();
    const account = await accountWithBalance(store, 0);
    const other = await accountWithBalance(store, 0);
    const source = uniqueNumber();
    const at = (ms: number): Store => createStore(db, () => T0 + ms);
    await at(0).callbackRequests.create({ accountId: account.id, trigger: 'access', source });
    await at(1_000).callbackRequests.create({ accountId: account.id, trigger: 'access', source });
    await at(2_000).callbackRequests.create({ accountId: other.id, trigger: 'access', source });
    await at(2_000).callbackRequests.create({ accountId: account.id, trigger: 'api', source });
    await at(3_000).callbackRequests.create({ accountId: account.id, trigger: 'access', source: uniqueNumber() });

    expect(await store.callbackRequests.countCreatedSince({ trigger: 'access', source, since: T0 })).toBe(3);
    expect(await store.callbackRequests.countCreatedSince({ trigger: 'access', source, since: T0 + 1_000 })).toBe(2);
    expect(await store.callbackRequests.countCreatedSince({ trigger: 'access', accountId: account.id, since: T0 })).toBe(3);
    expect(await store.callbackRequests.countCreatedSince({ trigger: 'access', accountId: account.id, source, since: T0 + 500 })).toBe(1);
    expect(await store.callbackRequests.countCreatedSince({ trigger: 'api', source, since: T0 })).toBe(1);
  });
});
