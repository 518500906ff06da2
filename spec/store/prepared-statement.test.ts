import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createStore, inTransaction, type Store } from '../../lib/store';
import { preparedInsert, preparedRows, preparedUpdate } from '../../lib/store/prepared-statement';
import { isUniqueViolation } from '../../lib/store/sql-errors';
import { SqlCounter } from '../../bench/sql-count';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance, uniqueNumber } from './fixtures';

describeEachDatabase('prepared statements (SQL built by knex once per shape)', (getDb, engine) => {
  let store: Store;
  let accountId: number;
  beforeAll(async () => {
    store = createStore(getDb());
    accountId = (await accountWithBalance(store, 0)).id;
  });

  async function newRequest() {
    return (await store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber(), destination: uniqueNumber() })).request;
  }

  it('sends each shape with its own values, whatever the order of the columns, and counts the rows changed', async () => {
    const first = await newRequest();
    const second = await newRequest();
    const move = (id: string, set: Record<string, string | number | null>, states: string[]) =>
      preparedUpdate(getDb(), 'test.move', { set, where: { id, state: states } }, (db, values) => {
        const { state, ...equal } = values.where;
        return db('callback_requests').where(equal).whereIn('state', Array.isArray(state) ? state : [state]).update(values.set);
      }, 1);
    expect(await move(first.id, { state: 'dialing_a', last_cause: null }, ['queued'])).toBe(1);
    // The same shape again (the SQL is reused), with the keys in another order and other values.
    expect(await move(second.id, { last_cause: 'X', state: 'dialing_b' }, ['queued'])).toBe(1);
    expect(await move(second.id, { last_cause: 'Y', state: 'failed' }, ['queued'])).toBe(0);
    // Another shape: a longer list of states.
    expect(await move(second.id, { last_cause: 'Z', state: 'failed' }, ['queued', 'dialing_b'])).toBe(1);
    expect(await store.callbackRequests.findById(first.id)).toMatchObject({ state: 'dialing_a', lastCause: null });
    expect(await store.callbackRequests.findById(second.id)).toMatchObject({ state: 'failed', lastCause: 'Z' });
  });

  it('tells a shape from one with more columns, or the same columns in other parts', async () => {
    const request = await newRequest();
    const patch = (set: Record<string, string | number>, where: Record<string, string>, statement = 'test.patch') =>
      preparedUpdate(getDb(), statement, { set, where }, (db, values) => db('callback_requests').where(values.where).update(values.set), 1);
    expect(await patch({ state: 'dialing_a', last_cause: 'first' }, { id: request.id })).toBe(1);
    // The columns of the shape above without its last: a shape of its own, not the longer one's SQL.
    expect(await patch({ state: 'dialing_b' }, { id: request.id })).toBe(1);
    expect(await store.callbackRequests.findById(request.id)).toMatchObject({ state: 'dialing_b', lastCause: 'first' });
    // A WHERE of one column more learnt first, then the shape it begins with: each its own.
    expect(await patch({ state: 'failed' }, { id: request.id, state: 'queued' }, 'test.patchWhere')).toBe(0);
    expect(await patch({ state: 'no_answer' }, { id: request.id }, 'test.patchWhere')).toBe(1);
    expect(await store.callbackRequests.findById(request.id)).toMatchObject({ state: 'no_answer', lastCause: 'first' });
  });

  it('runs inside a caller transaction and rolls back with it', async () => {
    const row = await newRequest();
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
    await expect(preparedUpdate(getDb(), 'test.unused', { set: { state: 'x', node: 'y' }, where: { uuid } }, (db, values) => db('legs').where(values.where).update({ state: values.set.state ?? null }), 1)).rejects.toThrow(
      'a value is not used exactly once',
    );
    await expect(preparedUpdate(getDb(), 'test.literal', { set: { state: 'x' }, where: { uuid } }, (db, values) => db('legs').where(values.where).update({ ...values.set, node: 'literal' }), 1)).rejects.toThrow(
      'a binding that is not one of the values',
    );
  });

  it('inserts with the new id and selects rows, a list (IN) of each length its own shape', async () => {
    const request = await newRequest();
    const insert = (uuid: string, node: string | null) =>
      preparedInsert(getDb(), 'test.insertLeg', { row: { uuid, request_id: request.id, role: 'A', attempt: 1, node, number: '+15550100', state: 'dialing', created_at: 1, updated_at: 1 } }, (db, values) =>
        db('legs').insert(values.row),
      );
    const uuids = [randomUUID(), randomUUID(), randomUUID()];
    const first = await insert(uuids[0]!, 'n1');
    const second = await insert(uuids[1]!, null);
    await insert(uuids[2]!, 'n2');
    expect(second).toBeGreaterThan(first);
    const select = (list: string[]) =>
      preparedRows<{ uuid: string; node: string | null }, { where: { request_id: string; uuid: string[] } }>(getDb(), 'test.selectLegs', { where: { request_id: request.id, uuid: list } }, (db, values) =>
        db('legs').where('request_id', values.where.request_id).whereIn('uuid', values.where.uuid).select('uuid', 'node').orderBy('id'),
      );
    expect(await select([uuids[0]!, uuids[1]!])).toEqual([
      { uuid: uuids[0], node: 'n1' },
      { uuid: uuids[1], node: null },
    ]);
    expect(await select([uuids[2]!])).toEqual([{ uuid: uuids[2], node: 'n2' }]);
    expect(await select([uuids[1]!, uuids[2]!, uuids[0]!])).toHaveLength(3);
  });

  it('compares a NULL with is null, not with a binding that never matches', async () => {
    const request = await newRequest();
    const uuid = randomUUID();
    await store.legs.create({ uuid, requestId: request.id, role: 'A', attempt: 1, node: null, number: uniqueNumber(), state: 'dialing' });
    const mark = (node: string | null, state: string) =>
      preparedUpdate(getDb(), 'test.markByNode', { where: { uuid, node }, set: { state } }, (db, values) => db('legs').where(values.where).update(values.set), 1);
    expect(await mark('n1', 'ringing')).toBe(0);
    expect(await mark(null, 'ringing')).toBe(1);
    expect(await mark(null, 'answered')).toBe(1);
    expect(await store.legs.findByUuid(uuid)).toMatchObject({ state: 'answered', node: null });
    await expect(
      preparedRows(getDb(), 'test.nullInList', { where: { node: ['n1', null] } }, (db, values) => db('legs').whereIn('node', values.where.node)),
    ).rejects.toThrow('a NULL in a list');
  });

  it('refuses a builder that adds a value of its own, such as .first()', async () => {
    await expect(preparedRows(getDb(), 'test.first', { where: { id: 1 } }, (db, values) => db('accounts').where(values.where).first())).rejects.toThrow(
      'a binding that is not one of the values',
    );
  });

  describe('sent on the driver connection', () => {
    const readState = (db: Knex, id: string) =>
      preparedRows<{ state: string }, { where: { id: string } }>(db, 'test.stateById', { where: { id } }, (knex, values) => knex('callback_requests').where(values.where).select('state'));

    it('fires knex\'s query event for each statement, inside a transaction too', async () => {
      const row = await newRequest();
      const counter = new SqlCounter(getDb());
      try {
        await readState(getDb(), row.id);
        await getDb().transaction(async (trx) => {
          await readState(trx, row.id);
        });
        expect(counter.breakdown().filter(({ shape }) => shape.includes('callback_requests'))).toEqual([{ shape: expect.stringContaining('select') as string, count: 2 }]);
      } finally {
        counter.stop();
      }
    });

    it('never runs in the middle of another caller\'s open transaction', async () => {
      const row = await newRequest();
      const trx = await getDb().transaction();
      await readState(trx, row.id);
      await trx('callback_requests').where({ id: row.id }).update({ state: 'uncommitted' });
      expect(await readState(trx, row.id)).toEqual([{ state: 'uncommitted' }]);
      // SQLite's one connection is the transaction's until it ends: this read waits for it.
      const outside = readState(getDb(), row.id);
      await trx.rollback();
      expect(await outside).toEqual([{ state: 'queued' }]);
      await expect(readState(trx, row.id)).rejects.toThrow('Transaction query already complete');
    });

    it('runs on SQLite\'s free connection without asking the pool, and asks it while a transaction holds the connection', async () => {
      const row = await newRequest();
      const pool = (getDb().client as { pool: { on(event: 'acquireRequest', handler: () => void): void; removeListener(event: 'acquireRequest', handler: () => void): void } }).pool;
      let acquires = 0;
      const counted = () => void (acquires += 1);
      pool.on('acquireRequest', counted);
      try {
        await readState(getDb(), row.id);
        expect(acquires).toBe(engine === 'sqlite' ? 0 : 1);
        const trx = await getDb().transaction();
        acquires = 0;
        const outside = readState(getDb(), row.id);
        expect(acquires).toBe(1);
        await trx.commit();
        expect(await outside).toEqual([{ state: 'queued' }]);
      } finally {
        pool.removeListener('acquireRequest', counted);
      }
    });

    it('keeps the driver\'s error code, with the SQL in the message', async () => {
      const request = await newRequest();
      const uuid = randomUUID();
      const insert = () =>
        preparedInsert(getDb(), 'test.insertDuplicateLeg', { row: { uuid, request_id: request.id, role: 'A', attempt: 1, number: '+15550100', state: 'dialing', created_at: 1, updated_at: 1 } }, (db, values) =>
          db('legs').insert(values.row),
        );
      await insert();
      const error: unknown = await insert().catch((caught: unknown) => caught);
      expect(isUniqueViolation(error)).toBe(true);
      expect((error as Error).message).toMatch(/^insert into .legs. .* - /);
    });
  });
});
