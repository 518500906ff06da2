import type { Knex } from 'knex';
import { createStore, inTransaction, type Store } from '../../lib/store';
import { inDriverTransaction } from '../../lib/store/driver-transaction';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from './fixtures';

/** The SQL of every statement knex reports sending (its `query` event), BEGIN and COMMIT included. */
function recordStatements(db: Knex): { readonly sql: string[]; stop(): void } {
  const sql: string[] = [];
  const listener = (query: { sql: string }): void => void sql.push(query.sql);
  db.on('query', listener);
  return { sql, stop: () => void db.off('query', listener) };
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
});
