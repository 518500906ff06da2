import type { Knex } from 'knex';
import { asLastStatement, createStore, inTransaction, type Store } from '../../lib/store';
import { beginFailed, runOnConnection, type DriverClient } from '../../lib/store/driver-statement';
import { inDriverTransaction } from '../../lib/store/driver-transaction';
import { preparedUpdate } from '../../lib/store/prepared-statement';
import { isUniqueViolation } from '../../lib/store/sql-errors';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from './fixtures';

/** The SQL of every statement knex reports sending (its `query` event), BEGIN and COMMIT included. */
function recordStatements(db: Knex): { readonly sql: string[]; stop(): void } {
  const sql: string[] = [];
  const listener = (query: { sql: string }): void => void sql.push(query.sql);
  db.on('query', listener);
  return { sql, stop: () => void db.off('query', listener) };
}

/** Each statement knex reports sending, with whether it rode in the packet of the statement next to it. */
function recordRoundTrips(db: Knex): { readonly sent: { sql: string; shared: boolean }[]; stop(): void } {
  const sent: { sql: string; shared: boolean }[] = [];
  const listener = (query: { sql: string; sharesRoundTrip?: unknown }): void => void sent.push({ sql: query.sql, shared: query.sharesRoundTrip === true });
  db.on('query', listener);
  return { sent, stop: () => void db.off('query', listener) };
}

/** A built statement (prepared-statement.ts), the kind a BEGIN or COMMIT rides with. */
function rename(db: Knex, id: number, name: string): Promise<number> {
  return preparedUpdate(db, 'test.accounts.rename', { where: { id }, set: { name } }, (knex, values) => knex('accounts').where(values.where).update(values.set), 1);
}

interface PoolCounts {
  numUsed(): number;
  numPendingAcquires(): number;
}

function poolOf(db: Knex): PoolCounts {
  return (db.client as { pool: PoolCounts }).pool;
}

describeEachDatabase('a store transaction on the driver connection', (getDb, engine) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  it('sends BEGIN, the work and COMMIT on one connection, as knex does, answers what the work answered and gives the connection back', async () => {
    const db = getDb();
    const account = await accountWithBalance(store, 0);
    const statements = recordStatements(db);
    let answer: string;
    try {
      answer = await inTransaction(db, async (tx) => {
        await tx.accounts.update(account.id, { name: 'renamed' });
        return 'done';
      });
    } finally {
      statements.stop();
    }
    expect(answer).toBe('done');
    expect(statements.sql[0]).toBe('BEGIN;');
    expect(statements.sql.at(-1)).toBe('COMMIT;');
    expect(statements.sql.filter((sql) => /^update/i.test(sql))).toHaveLength(1);
    expect((await store.accounts.findById(account.id))?.name).toBe('renamed');
    expect(poolOf(db).numUsed()).toBe(0);
  });

  it('rolls back when the work fails, throws its error as it came, and gives the connection back', async () => {
    const db = getDb();
    const account = await accountWithBalance(store, 0);
    const failure = new Error('the work failed');
    const statements = recordStatements(db);
    try {
      await expect(
        inTransaction(db, async (tx) => {
          await tx.accounts.update(account.id, { name: 'renamed in vain' });
          throw failure;
        }),
      ).rejects.toBe(failure);
    } finally {
      statements.stop();
    }
    expect(statements.sql.at(-1)).toBe('ROLLBACK');
    expect((await store.accounts.findById(account.id))?.name).toBe(account.name);
    expect(poolOf(db).numUsed()).toBe(0);
  });

  it("runs a query builder and a raw statement on the transaction's connection: they see its writes, which land with it", async () => {
    const db = getDb();
    const account = await accountWithBalance(store, 0);
    await inDriverTransaction(db, async (trx) => {
      expect(trx.isTransaction).toBe(true);
      await trx('accounts').where({ id: account.id }).update({ name: 'by the builder' });
      expect((await trx('accounts').where({ id: account.id }).first<{ name: string }>())?.name).toBe('by the builder');
      const raw: unknown = await trx.raw('select name from accounts where id = ?', [account.id]);
      expect(JSON.stringify(raw)).toContain('by the builder');
    });
    expect((await store.accounts.findById(account.id))?.name).toBe('by the builder');
  });

  it('refuses a statement sent after its COMMIT or ROLLBACK, built or by the builder, as knex refuses it', async () => {
    const db = getDb();
    const account = await accountWithBalance(store, 0);
    let kept: Knex.Transaction | undefined;
    let keptStore: Store | undefined;
    await inTransaction(db, (tx) => {
      kept = tx.db as Knex.Transaction;
      keptStore = tx;
      return Promise.resolve();
    });
    expect(kept?.isCompleted()).toBe(true);
    await expect(kept!('accounts').where({ id: account.id }).update({ name: 'too late' })).rejects.toThrow('Transaction query already complete');
    await expect(keptStore!.legs.update('00000000-0000-4000-8000-000000000000', { state: 'answered' })).rejects.toThrow('Transaction query already complete');
    expect((await store.accounts.findById(account.id))?.name).toBe(account.name);
  });

  it('settles executionPromise once it committed, and with the error once it rolled back', async () => {
    const db = getDb();
    let committed: Promise<unknown> | undefined;
    await inDriverTransaction(db, (trx) => {
      committed = trx.executionPromise;
      return Promise.resolve(7);
    });
    await expect(committed).resolves.toBe(7);
    let rolledBack: Promise<unknown> | undefined;
    const failure = new Error('rolled back');
    await expect(
      inDriverTransaction(db, (trx) => {
        rolledBack = trx.executionPromise;
        return Promise.reject(failure);
      }),
    ).rejects.toBe(failure);
    await expect(rolledBack).rejects.toBe(failure);
  });

  it('refuses a transaction inside it (a repository joins the one it is given instead)', async () => {
    await expect(inDriverTransaction(getDb(), (trx) => trx.transaction(() => Promise.resolve()))).rejects.toThrow('a transaction inside a store transaction is not supported');
    await expect(inTransaction(getDb(), (tx) => inTransaction(tx.db, () => Promise.resolve()))).rejects.toThrow('a transaction inside a store transaction is not supported');
    const knexTransaction = await getDb().transaction();
    try {
      await expect(inDriverTransaction(knexTransaction, () => Promise.resolve())).rejects.toThrow('a transaction inside a store transaction is not supported');
    } finally {
      await knexTransaction.rollback();
    }
  });

  it('keeps a statement from outside out of it: on SQLite it waits for the one connection until the COMMIT, on MariaDB it reads the rows as they were', async () => {
    const db = getDb();
    const account = await accountWithBalance(store, 0);
    let outside: Promise<string | undefined> | undefined;
    await inTransaction(db, async (tx) => {
      await tx.accounts.update(account.id, { name: 'not yet committed' });
      outside = store.accounts.findById(account.id).then((found) => found?.name);
      if (engine === 'mariadb') {
        expect(await outside).toBe(account.name);
        return;
      }
      // Let the outside read run as far as it can: it is queued for the connection.
      for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(poolOf(db).numPendingAcquires()).toBe(1);
    });
    expect(await outside).toBe(engine === 'sqlite' ? 'not yet committed' : account.name);
  });

  describe('round trips (MariaDB sends BEGIN with the first built statement, and COMMIT with one the work says is its last)', () => {
    const sharing = engine === 'mariadb';

    it('sends BEGIN in the packet of the first built statement, and COMMIT on its own after the work', async () => {
      const db = getDb();
      const account = await accountWithBalance(store, 0);
      const recorded = recordRoundTrips(db);
      try {
        await inDriverTransaction(db, async (trx) => {
          expect(await rename(trx, account.id, `${account.name}-1`)).toBe(1);
          expect(await rename(trx, account.id, `${account.name}-2`)).toBe(1);
        });
      } finally {
        recorded.stop();
      }
      expect(recorded.sent.map(({ sql }) => sql.split(' ')[0])).toEqual(['BEGIN;', 'update', 'update', 'COMMIT;']);
      expect(recorded.sent.map(({ shared }) => shared)).toEqual([sharing, false, false, false]);
      expect((await store.accounts.findById(account.id))?.name).toBe(`${account.name}-2`);
    });

    it('rolls back what came after a BEGIN sent with the first statement', async () => {
      const db = getDb();
      const account = await accountWithBalance(store, 0);
      const failure = new Error('the work failed');
      await expect(
        inDriverTransaction(db, async (trx) => {
          await rename(trx, account.id, `${account.name}-lost`);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect((await store.accounts.findById(account.id))?.name).toBe(account.name);
      expect(poolOf(db).numUsed()).toBe(0);
    });

    it('keeps the transaction open when the first statement fails after its BEGIN: a work that goes on commits the rest', async () => {
      const db = getDb();
      const taken = await accountWithBalance(store, 0);
      const account = await accountWithBalance(store, 0);
      await inDriverTransaction(db, async (trx) => {
        const collision = await rename(trx, account.id, taken.name).catch((error: unknown) => error);
        expect(isUniqueViolation(collision)).toBe(true);
        await rename(trx, account.id, `${account.name}-after`);
      });
      expect((await store.accounts.findById(account.id))?.name).toBe(`${account.name}-after`);
      // And the two statements were one transaction: rolled back, neither lands.
      const failure = new Error('rolled back');
      await expect(
        inDriverTransaction(db, async (trx) => {
          await rename(trx, account.id, taken.name).catch(() => undefined);
          await rename(trx, account.id, `${account.name}-never`);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect((await store.accounts.findById(account.id))?.name).toBe(`${account.name}-after`);
    });

    it('sends the last statement with the COMMIT, refuses anything after it, and settles executionPromise', async () => {
      const db = getDb();
      const account = await accountWithBalance(store, 0);
      const recorded = recordRoundTrips(db);
      let committed: Promise<unknown> | undefined;
      let kept: Knex.Transaction | undefined;
      try {
        const answer = await inDriverTransaction(db, async (trx) => {
          kept = trx;
          committed = trx.executionPromise;
          await rename(trx, account.id, `${account.name}-1`);
          expect(await asLastStatement(trx, () => rename(trx, account.id, `${account.name}-2`))).toBe(1);
          expect(trx.isCompleted()).toBe(sharing);
          return 'done';
        });
        expect(answer).toBe('done');
      } finally {
        recorded.stop();
      }
      expect(recorded.sent.map(({ sql }) => sql.split(' ')[0])).toEqual(['BEGIN;', 'update', 'update', 'COMMIT;']);
      expect(recorded.sent.map(({ shared }) => shared)).toEqual([sharing, false, false, sharing]);
      await expect(committed).resolves.toBe('done');
      expect((await store.accounts.findById(account.id))?.name).toBe(`${account.name}-2`);
      await expect(rename(kept!, account.id, 'too late')).rejects.toThrow('Transaction query already complete');
      expect(poolOf(db).numUsed()).toBe(0);
    });

    it('sends BEGIN, the one statement and COMMIT as one packet', async () => {
      const db = getDb();
      const account = await accountWithBalance(store, 0);
      const recorded = recordRoundTrips(db);
      try {
        await inDriverTransaction(db, (trx) => asLastStatement(trx, () => rename(trx, account.id, `${account.name}-only`)));
      } finally {
        recorded.stop();
      }
      expect(recorded.sent.map(({ shared }) => shared)).toEqual([sharing, false, sharing]);
      expect((await store.accounts.findById(account.id))?.name).toBe(`${account.name}-only`);
    });

    it('rolls the whole transaction back when the last statement fails with its COMMIT, even if the work catches the error', async () => {
      const db = getDb();
      const taken = await accountWithBalance(store, 0);
      const account = await accountWithBalance(store, 0);
      const other = await accountWithBalance(store, 0);
      let rolledBack: Promise<unknown> | undefined;
      const thrown = await inDriverTransaction(db, async (trx) => {
        rolledBack = trx.executionPromise;
        await rename(trx, other.id, `${other.name}-lost`);
        const collision = await asLastStatement(trx, () => rename(trx, account.id, taken.name)).catch((error: unknown) => error);
        expect(isUniqueViolation(collision)).toBe(true);
        return 'carried on';
      }).catch((error: unknown) => error);
      if (sharing) {
        expect(isUniqueViolation(thrown)).toBe(true);
        await expect(rolledBack).rejects.toBe(thrown);
        expect((await store.accounts.findById(other.id))?.name).toBe(other.name);
      } else {
        // Without a shared packet the work's catch decides, as for any statement.
        expect(thrown).toBe('carried on');
      }
      expect((await store.accounts.findById(account.id))?.name).toBe(account.name);
      expect(poolOf(db).numUsed()).toBe(0);
    });

    (engine === 'mariadb' ? it : it.skip)('tells a failed BEGIN from a failed statement after it in one packet', async () => {
      const client = getDb().client as DriverClient;
      const connection = (await client.acquireConnection()) as object;
      try {
        // A statement failing after its BEGIN ran: a transaction is open.
        const afterBegin = await runOnConnection(client, connection, 'select * from no_such_table', [], true, { begin: true, commit: false }).catch((error: unknown) => error);
        expect(afterBegin).toBeInstanceOf(Error);
        expect(beginFailed(afterBegin)).toBe(false);
        await runOnConnection(client, connection, 'ROLLBACK', [], true);
        // Inside an XA transaction the server refuses BEGIN itself: the statement after it never ran.
        await runOnConnection(client, connection, "XA START 'maria4-begin-test'", [], true);
        const beginRefused = await runOnConnection(client, connection, 'select 1', [], true, { begin: true, commit: false }).catch((error: unknown) => error);
        expect(beginFailed(beginRefused)).toBe(true);
      } finally {
        await runOnConnection(client, connection, "XA END 'maria4-begin-test'", [], true).catch(() => undefined);
        await runOnConnection(client, connection, "XA ROLLBACK 'maria4-begin-test'", [], true).catch(() => undefined);
        await client.releaseConnection(connection);
      }
    });

    it('sends BEGIN on its own before a query builder, and nothing at all for a transaction that sent nothing', async () => {
      const db = getDb();
      const account = await accountWithBalance(store, 0);
      const recorded = recordRoundTrips(db);
      try {
        await inDriverTransaction(db, async (trx) => {
          await trx('accounts').where({ id: account.id }).update({ name: `${account.name}-built` });
          await asLastStatement(trx, () => trx('accounts').where({ id: account.id }).update({ name: `${account.name}-builder` }));
        });
        await inDriverTransaction(db, () => Promise.resolve());
      } finally {
        recorded.stop();
      }
      expect(recorded.sent.map(({ sql }) => sql.split(' ')[0])).toEqual(engine === 'mariadb' ? ['BEGIN;', 'update', 'update', 'COMMIT;'] : ['BEGIN;', 'update', 'update', 'COMMIT;', 'BEGIN;', 'COMMIT;']);
      expect(recorded.sent.every(({ shared }) => !shared)).toBe(true);
      expect((await store.accounts.findById(account.id))?.name).toBe(`${account.name}-builder`);
    });
  });
});
