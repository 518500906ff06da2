import type { Knex } from 'knex';
import { runOnDriver, type DriverAnswer } from '../../lib/store/driver-statement';
import { inDriverTransaction } from '../../lib/store/driver-transaction';
import { isForeignKeyViolation, isUniqueViolation } from '../../lib/store/sql-errors';
import { describeEachDatabase } from '../support/databases';

interface Sent {
  readonly sql: string;
  readonly tx: unknown;
}

/** Every statement knex reports sending, with the transaction (or group) it ran in. */
function recordStatements(db: Knex): { readonly sent: Sent[]; stop(): void } {
  const sent: Sent[] = [];
  const listener = (query: { sql: string; __knexTxId?: unknown }): void => void sent.push({ sql: query.sql, tx: query.__knexTxId });
  db.on('query', listener);
  return { sent, stop: () => void db.off('query', listener) };
}

const insert = (db: Knex, k: string, v: number): Promise<DriverAnswer> => runOnDriver(db, 'insert into gc_items (k, v) values (?, ?)', [k, v]);
const valueOf = async (db: Knex, k: string): Promise<number | undefined> => ((await runOnDriver(db, 'select v from gc_items where k = ?', [k])).rows?.[0] as { v: number } | undefined)?.v;

/*
 * Issue #20, group commit on SQLite (lib/store/sqlite-group-commit.ts): the statements sent
 * outside a transaction in one loop turn commit together, each caller answered after the COMMIT,
 * each failing alone unless the transaction does. On MariaDB nothing is grouped: what a caller is
 * answered must be the same there.
 */
describeEachDatabase('group commit of one turn\'s statements', (getDb, engine) => {
  const sqliteOnly = engine === 'sqlite' ? it : it.skip;

  beforeAll(async () => {
    const db = getDb();
    await db.schema.createTable('gc_items', (table) => {
      table.string('k', 40).primary();
      table.integer('v').notNullable();
    });
    await db.schema.createTable('gc_children', (table) => {
      table.string('k', 40).primary();
      table.string('parent', 40).notNullable().references('k').inTable('gc_items');
    });
  });

  it('fails only the statement that violates a unique key: the others of its turn commit, in the order sent, and a read after them sees them', async () => {
    const db = getDb();
    const statements = recordStatements(db);
    let outcomes: PromiseSettledResult<DriverAnswer>[];
    try {
      outcomes = await Promise.allSettled([
        insert(db, 'u1', 1),
        insert(db, 'u1', 2),
        insert(db, 'u2', 3),
        runOnDriver(db, 'update gc_items set v = v * 10 where k = ?', ['u2']),
        runOnDriver(db, 'select v from gc_items where k = ?', ['u2']),
      ]);
    } finally {
      statements.stop();
    }
    const failed = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(isUniqueViolation(failed[0]!.reason)).toBe(true);
    // MariaDB runs them on connections of their own, in no set order; SQLite in the order sent.
    if (engine === 'mariadb') return;
    expect(outcomes.map(({ status }) => status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((outcomes[3] as PromiseFulfilledResult<DriverAnswer>).value.changes).toBe(1);
    expect((outcomes[4] as PromiseFulfilledResult<DriverAnswer>).value.rows).toEqual([{ v: 30 }]);
    expect(await valueOf(db, 'u1')).toBe(1);
    expect(await valueOf(db, 'u2')).toBe(30);
    // One transaction: BEGIN, the five in the order sent, one COMMIT.
    expect(statements.sent.map(({ sql }) => sql.split(' ')[0]!.toLowerCase())).toEqual(['begin', 'insert', 'insert', 'insert', 'update', 'select', 'commit;']);
    expect(new Set(statements.sent.map(({ tx }) => tx)).size).toBe(1);
    expect(statements.sent[0]!.tx).toEqual(expect.stringMatching(/^store-group/));
  });

  sqliteOnly('runs a write alone as it would without groups: no BEGIN or COMMIT around it', async () => {
    const db = getDb();
    const statements = recordStatements(db);
    try {
      await insert(db, 'alone', 1);
    } finally {
      statements.stop();
    }
    expect(statements.sent).toEqual([{ sql: 'insert into gc_items (k, v) values (?, ?)', tx: undefined }]);
  });

  sqliteOnly('fails every member when the COMMIT fails, lands none of their writes, and leaves the connection usable', async () => {
    const db = getDb();
    // A deferred foreign key is checked at the COMMIT: a real failing COMMIT, no stand-in for the database.
    const outcomes = await Promise.allSettled([
      insert(db, 'c1', 1),
      runOnDriver(db, 'PRAGMA defer_foreign_keys = ON', []),
      runOnDriver(db, 'insert into gc_children (k, parent) values (?, ?)', ['orphan', 'nobody']),
      insert(db, 'c2', 2),
    ]);
    expect(outcomes.map(({ status }) => status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes) expect(isForeignKeyViolation((outcome as PromiseRejectedResult).reason)).toBe(true);
    expect(await valueOf(db, 'c1')).toBeUndefined();
    expect(await valueOf(db, 'c2')).toBeUndefined();
    await insert(db, 'c3', 3);
    expect(await valueOf(db, 'c3')).toBe(3);
  });

  sqliteOnly('fails every member when a statement makes SQLite roll the transaction back, those sent before it too', async () => {
    const db = getDb();
    await insert(db, 'r0', 0);
    const outcomes = await Promise.allSettled([insert(db, 'r1', 1), runOnDriver(db, 'insert or rollback into gc_items (k, v) values (?, ?)', ['r0', 9]), insert(db, 'r2', 2)]);
    expect(outcomes.map(({ status }) => status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes) expect(isUniqueViolation((outcome as PromiseRejectedResult).reason)).toBe(true);
    expect(await valueOf(db, 'r1')).toBeUndefined();
    expect(await valueOf(db, 'r2')).toBeUndefined();
    expect(await valueOf(db, 'r0')).toBe(0);
  });

  it('lands a transaction of the turn with the others, or, when its work fails, none of its writes while the others land', async () => {
    const db = getDb();
    const failure = new Error('the work failed');
    const statements = recordStatements(db);
    let outcomes: PromiseSettledResult<unknown>[];
    try {
      outcomes = await Promise.allSettled([
        insert(db, 's1', 1),
        inDriverTransaction(db, async (trx) => {
          await insert(trx, 's2', 2);
          throw failure;
        }),
        inDriverTransaction(db, async (trx) => {
          await insert(trx, 's3', 3);
          await runOnDriver(trx, 'update gc_items set v = v * 10 where k = ?', ['s3']);
          return 'done';
        }),
        insert(db, 's4', 4),
      ]);
    } finally {
      statements.stop();
    }
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: expect.anything() },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 'done' },
      { status: 'fulfilled', value: expect.anything() },
    ]);
    expect([await valueOf(db, 's1'), await valueOf(db, 's2'), await valueOf(db, 's3'), await valueOf(db, 's4')]).toEqual([1, undefined, 30, 4]);
    // On SQLite one commit for all four, each transaction a savepoint of it.
    if (engine === 'sqlite') expect(statements.sent.filter(({ sql }) => /^(?:begin|commit|savepoint|release|rollback)/i.test(sql)).map(({ sql }) => sql)).toEqual(['BEGIN IMMEDIATE;', 'SAVEPOINT store_trx;', 'ROLLBACK TO store_trx;', 'RELEASE store_trx;', 'SAVEPOINT store_trx;', 'RELEASE store_trx;', 'COMMIT;']);
  });

  sqliteOnly('fails a transaction whose work succeeded when its group fails to commit, and its executionPromise with it', async () => {
    const db = getDb();
    let execution: Promise<unknown> | undefined;
    const outcomes = await Promise.allSettled([
      runOnDriver(db, 'PRAGMA defer_foreign_keys = ON', []),
      runOnDriver(db, 'insert into gc_children (k, parent) values (?, ?)', ['orphan', 'nobody']),
      inDriverTransaction(db, async (trx) => {
        execution = trx.executionPromise;
        await insert(trx, 'x1', 1);
        return 'done';
      }),
    ]);
    expect(outcomes.map(({ status }) => status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(isForeignKeyViolation((outcomes[2] as PromiseRejectedResult).reason)).toBe(true);
    await expect(execution).rejects.toBe((outcomes[2] as PromiseRejectedResult).reason);
    expect(await valueOf(db, 'x1')).toBeUndefined();
  });

  sqliteOnly('keeps the order of a write, a knex builder\'s statement asked for after it, and a write sent after that', async () => {
    const db = getDb();
    const first = insert(db, 't', 1);
    // knex's builder takes the connection from the pool itself: it waits behind the first write's group.
    const middle = db('gc_items').where({ k: 't' }).update({ v: db.raw('v * 10') }).then((changed) => changed);
    // Not in the first write's group: it would run before the statement asked for before it.
    const last = runOnDriver(db, 'update gc_items set v = v + 1 where k = ?', ['t']);
    await Promise.all([first, middle, last]);
    expect(await valueOf(db, 't')).toBe(11);
  });

  sqliteOnly('keeps the order of a write, a transaction asked for after it, and a write sent after that transaction', async () => {
    const db = getDb();
    const first = insert(db, 'tt', 1);
    const transaction = inDriverTransaction(db, (trx) => runOnDriver(trx, 'update gc_items set v = v * 10 where k = ?', ['tt']));
    const last = runOnDriver(db, 'update gc_items set v = v + 1 where k = ?', ['tt']);
    await Promise.all([first, transaction, last]);
    expect(await valueOf(db, 'tt')).toBe(11);
  });
});
