import { randomUUID } from 'node:crypto';
import { minorUnits } from '../../lib/domain/money';
import { createStore, InvalidStoreInput, type CallbackRequest, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance, uniqueNumber } from './fixtures';

const T0 = Date.UTC(2030, 0, 1);

describeEachDatabase('legs and CDRs', (getDb) => {
  let store: Store;
  let request: CallbackRequest;
  beforeAll(async () => {
    store = createStore(getDb(), () => T0);
    const account = await accountWithBalance(store, 0);
    const created = await store.callbackRequests.create({ accountId: account.id, trigger: 'web', source: uniqueNumber(), destination: uniqueNumber() });
    request = created.request;
  });

  it('creates legs, updates their progress and lists them per request', async () => {
    const a = await store.legs.create({
      uuid: randomUUID(),
      requestId: request.id,
      role: 'A',
      number: request.source,
      node: 'fs1',
      state: 'dialing',
    });
    const b = await store.legs.create({ uuid: randomUUID(), requestId: request.id, role: 'B', number: '1001', reservedMinor: minorUnits(300) });
    expect(a).toMatchObject({ role: 'A', attempt: 1, node: 'fs1', state: 'dialing', answeredAt: null, costMinor: null, createdAt: T0 });
    expect(b).toMatchObject({ number: '1001', state: 'queued', reservedMinor: 300 });
    // What create returns is built from what it wrote, not read back: it must be the row.
    expect(await store.legs.findByUuid(a.uuid)).toEqual(a);
    expect(await store.legs.findByUuid(b.uuid)).toEqual(b);

    expect(await store.legs.update(a.uuid, { state: 'answered', answeredAt: T0 + 5_000 })).toBe(true);
    const ended = { state: 'completed', endedAt: T0 + 65_000, billsec: 60, hangupCause: 'NORMAL_CLEARING', costMinor: minorUnits(1) };
    expect(await store.legs.update(a.uuid, ended)).toBe(true);
    expect(await store.legs.update(randomUUID(), { state: 'x' })).toBe(false);

    expect(await store.legs.findByUuid(a.uuid)).toMatchObject({ ...ended, answeredAt: T0 + 5_000 });
    expect((await store.legs.listForRequest(request.id)).map((leg) => leg.role)).toEqual(['A', 'B']);
    expect((await store.legs.listUnended()).map((leg) => leg.uuid)).toContain(b.uuid);
    expect((await store.legs.listUnended({ node: 'fs1' })).map((leg) => leg.uuid)).not.toContain(a.uuid);
  });

  it('changes several legs in one statement, and says how many rows it changed', async () => {
    const leg = (role: 'A' | 'B') => store.legs.create({ uuid: randomUUID(), requestId: request.id, role, number: request.source, state: 'answered' });
    const [a, b, other] = [await leg('A'), await leg('B'), await leg('B')];
    expect(await store.legs.updateEach([a.uuid, b.uuid, randomUUID()], { state: 'bridged' })).toBe(2);
    expect(await store.legs.updateEach([], { state: 'bridged' })).toBe(0);
    expect((await store.legs.findByUuid(a.uuid))?.state).toBe('bridged');
    expect((await store.legs.findByUuid(b.uuid))?.state).toBe('bridged');
    expect((await store.legs.findByUuid(other.uuid))?.state).toBe('answered');
    await expect(store.legs.updateEach([a.uuid], { state: '' })).rejects.toThrow(InvalidStoreInput);
  });

  it('bridges a talk\'s legs in one statement, with the answer of the leg that answered last', async () => {
    const leg = (role: 'A' | 'B') => store.legs.create({ uuid: randomUUID(), requestId: request.id, role, number: request.source, state: 'ringing' });
    const [a, b, other] = [await leg('A'), await leg('B'), await leg('B')];
    await store.legs.update(a.uuid, { state: 'answered', answeredAt: T0 + 1_000 });
    expect(await store.legs.markBridged([a.uuid, b.uuid], { uuid: b.uuid, answeredAt: T0 + 9_000 })).toBe(2);
    expect(await store.legs.findByUuid(a.uuid)).toMatchObject({ state: 'bridged', answeredAt: T0 + 1_000 });
    expect(await store.legs.findByUuid(b.uuid)).toMatchObject({ state: 'bridged', answeredAt: T0 + 9_000 });
    expect(await store.legs.findByUuid(other.uuid)).toMatchObject({ state: 'ringing', answeredAt: null });
    // Both answers written before: the state alone.
    expect(await store.legs.markBridged([other.uuid], undefined)).toBe(1);
    expect(await store.legs.findByUuid(other.uuid)).toMatchObject({ state: 'bridged', answeredAt: null });
    await expect(store.legs.markBridged([a.uuid], { uuid: a.uuid, answeredAt: -1 })).rejects.toThrow(InvalidStoreInput);
  });

  it('refuses a leg for an unknown request or with a dial-string metacharacter', async () => {
    await expect(store.legs.create({ uuid: randomUUID(), requestId: randomUUID(), role: 'A', number: '+4930123456' })).rejects.toThrow(
      /refers to a row that does not exist/,
    );
    const injected = { uuid: randomUUID(), requestId: request.id, role: 'B' as const, number: '123|sofia/x' };
    await expect(store.legs.create(injected)).rejects.toThrow(InvalidStoreInput);
  });

  it('inserts a CDR once per leg: a replay is a no-op that returns false', async () => {
    const legUuid = randomUUID();
    const cdr = {
      legUuid,
      requestId: request.id,
      accountId: request.accountId,
      direction: 'outbound',
      number: '+4930123456',
      startedAt: T0,
      answeredAt: T0 + 3_000,
      endedAt: T0 + 63_000,
      billsec: 60,
      hangupCause: 'NORMAL_CLEARING',
      costMinor: minorUnits(2),
      ratePrefix: '49',
      raw: { variables: { sip_hangup_disposition: 'recv_bye' } },
      source: 'socket' as const,
    };
    expect(await store.cdrs.insert(cdr)).toBe(true);
    expect(await store.cdrs.insert({ ...cdr, source: 'json_cdr', billsec: 61 })).toBe(false);
    expect(await store.cdrs.findByLegUuid(legUuid)).toMatchObject({ billsec: 60, source: 'socket', costMinor: 2, raw: cdr.raw, createdAt: T0 });

    const racing = randomUUID();
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => store.cdrs.insert({ ...cdr, legUuid: racing })));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('lists CDRs per request and per account and period', async () => {
    const account = await accountWithBalance(store, 0);
    for (const startedAt of [T0 - 1, T0, T0 + 1_000, T0 + 2_000]) {
      const cdr = { legUuid: randomUUID(), accountId: account.id, direction: 'outbound', number: '+15550100', startedAt };
      await store.cdrs.insert({ ...cdr, source: 'json_cdr' });
    }
    const inPeriod = await store.cdrs.list({ accountId: account.id, from: T0, to: T0 + 2_000 });
    expect(inPeriod.map((cdr) => cdr.startedAt)).toEqual([T0, T0 + 1_000]);
    expect(inPeriod[0]).toMatchObject({ requestId: null, answeredAt: null, billsec: 0, costMinor: 0, raw: null });
    expect((await store.cdrs.listForRequest(request.id)).length).toBeGreaterThan(0);
  });
});
