import { randomUUID } from 'node:crypto';
import { createStore, inTransaction, type Store } from '../../lib/store';
import { preparedUpdate } from '../../lib/store/prepared-statement';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance, uniqueNumber } from './fixtures';

describeEachDatabase('prepared updates (SQL built by knex once per shape)', (getDb) => {
  let store: Store;
  let accountId: number;
  beforeAll(async () => {
    store = createStore(getDb());
    accountId = (await accountWithBalance(store, 0)).id;
  });

  async function request() {
    return (await store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber(), destination: uniqueNumber() })).request;
  }

  it('sends each shape with its own values, whatever the order of the columns, and counts the rows changed', async () => {
    const first = await request();
    const second = await request();
    const move = (id: string, set: Record<string, string | number | null>, states: string[]) =>
      preparedUpdate(getDb(), 'test.move', { set, where: { id, state: states } }, (db, values) => {
        const { state, ...equal } = values.where;
        return db('callback_requests').where(equal).whereIn('state', Array.isArray(state) ? state : [state]).update(values.set);
      });
    expect(await move(first.id, { state: 'dialing_a', last_cause: null }, ['queued'])).toBe(1);
    // The same shape again (the SQL is reused), with the keys in another order and other values.
    expect(await move(second.id, { last_cause: 'X', state: 'dialing_b' }, ['queued'])).toBe(1);
    expect(await move(second.id, { last_cause: 'Y', state: 'failed' }, ['queued'])).toBe(0);
    // Another shape: a longer list of states.
    expect(await move(second.id, { last_cause: 'Z', state: 'failed' }, ['queued', 'dialing_b'])).toBe(1);
    expect(await store.callbackRequests.findById(first.id)).toMatchObject({ state: 'dialing_a', lastCause: null });
    expect(await store.callbackRequests.findById(second.id)).toMatchObject({ state: 'failed', lastCause: 'Z' });
  });

  it('runs inside a caller transaction and rolls back with it', async () => {
    const row = await request();
    await expect(
      inTransaction(getDb(), async (tx) => {
        expect(await tx.callbackRequests.transition(row.id, 'queued', 'dialing_a', { lastCause: 'inside' })).toBe(true);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await store.callbackRequests.findById(row.id)).toMatchObject({ state: 'queued', lastCause: null, version: row.version });
    expect(await store.callbackRequests.transition(row.id, ['queued', 'dialing_a'], 'dialing_a', { incrementAttempts: true }, { expectedVersion: row.version })).toBe(true);
    expect(await store.callbackRequests.findById(row.id)).toMatchObject({ state: 'dialing_a', attempts: 1, version: row.version + 1 });
  });

  it('refuses a builder that does not use every value exactly once', async () => {
    const uuid = randomUUID();
    await expect(preparedUpdate(getDb(), 'test.unused', { set: { state: 'x', node: 'y' }, where: { uuid } }, (db, values) => db('legs').where(values.where).update({ state: values.set.state ?? null }))).rejects.toThrow(
      'a value is not used exactly once',
    );
    await expect(preparedUpdate(getDb(), 'test.literal', { set: { state: 'x' }, where: { uuid } }, (db, values) => db('legs').where(values.where).update({ ...values.set, node: 'literal' }))).rejects.toThrow(
      'a binding that is not one of the values',
    );
  });
});
