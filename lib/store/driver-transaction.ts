import type { Knex } from 'knex';
import { runOnConnection, TRANSACTION_CONNECTION, type DriverClient } from './driver-statement';
import { isMysql } from './schema';

/** knex's own words for a statement sent on a transaction that has ended. */
const COMPLETED = 'Transaction query already complete';

const NESTED = 'a transaction inside a store transaction is not supported: a repository joins the one it is given';

let transactionCount = 0;

/**
 * Runs `work` in one transaction on one pooled connection: BEGIN, the work, then COMMIT, or
 * ROLLBACK when the work fails (its error is thrown, as it came). What knex's `db.transaction`
 * does, without building a knex instance, a transaction client and its promise chains for each
 * one (about 5 % of a callback's CPU for its three transactions, issue #20).
 *
 * The transaction handed to `work` is still a knex for what the repositories do with one: a
 * query builder or a `raw` runs on the transaction's connection (its client answers that
 * connection and releases nothing), a built statement (`driver-statement.ts`) too, and any of
 * them sent after the transaction ended is refused as knex refuses it. `isTransaction` says so to
 * the repositories, which then join it instead of opening one of their own; `executionPromise`
 * settles once it has committed or rolled back. A transaction inside it is refused: no caller
 * nests one (a repository joins the caller's). The connection is taken from knex's pool and given
 * back, so on SQLite, whose one connection it is, every other statement waits for the COMMIT.
 * BEGIN, COMMIT and ROLLBACK are sent as knex sends them, its `query` events included.
 */
export async function inDriverTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  // A BEGIN inside an open transaction would commit it on MariaDB (and fail on SQLite).
  if (db.isTransaction) throw new Error(NESTED);
  const root = db.client as DriverClient;
  const mysql = isMysql(db);
  const connection = (await root.acquireConnection()) as { __knexTxId?: unknown };
  transactionCount += 1;
  connection.__knexTxId = `store-trx${transactionCount}`;
  try {
    await runOnConnection(root, connection, 'BEGIN;', [], mysql);
    const transaction = new DriverTransaction(db, connection);
    let value: T;
    try {
      value = await work(transaction.knex);
    } catch (error) {
      transaction.end();
      await runOnConnection(root, connection, 'ROLLBACK', [], mysql).catch(() => undefined);
      transaction.settle(Promise.reject(error));
      throw error;
    }
    transaction.end();
    try {
      await runOnConnection(root, connection, 'COMMIT;', [], mysql);
    } catch (error) {
      transaction.settle(Promise.reject(error));
      throw error;
    }
    transaction.settle(Promise.resolve(value));
    return value;
  } finally {
    delete connection.__knexTxId;
    await root.releaseConnection(connection);
  }
}

/** What knex's client is made into for one transaction. */
interface TransactionClient extends DriverClient {
  queryBuilder(): Knex.QueryBuilder;
  raw(...args: unknown[]): unknown;
}

/** The knex a transaction's work gets: builders, `raw` and built statements, all on its one connection. */
class DriverTransaction {
  readonly knex: Knex.Transaction;
  private completed = false;
  private settleExecution: (outcome: Promise<unknown>) => void = () => undefined;

  constructor(db: Knex, connection: object) {
    // knex's own client, with the connection answered in place of the pool's (a transaction client as knex makes one).
    const client = Object.assign(Object.create(db.client as object) as TransactionClient, {
      transacting: true,
      pool: undefined,
      [TRANSACTION_CONNECTION]: connection,
      acquireConnection: () => (this.completed ? Promise.reject(new Error(`${COMPLETED}: the statement came after its COMMIT or ROLLBACK`)) : Promise.resolve(connection)),
      releaseConnection: () => Promise.resolve(),
    });
    const executionPromise = new Promise<unknown>((resolve) => {
      this.settleExecution = resolve;
    });
    // Settled with a rollback's error that nobody need wait for: handled here, so it is no unhandled rejection.
    executionPromise.catch(() => undefined);
    const knex = (table?: string): Knex.QueryBuilder => (table === undefined ? client.queryBuilder() : client.queryBuilder().table(table));
    this.knex = Object.assign(knex, {
      client,
      raw: (...args: unknown[]): Knex.Raw => client.raw(...args) as Knex.Raw,
      isTransaction: true,
      isCompleted: () => this.completed,
      executionPromise,
      userParams: {},
      transaction: () => {
        throw new Error(NESTED);
      },
    }) as unknown as Knex.Transaction;
  }

  /** From now on nothing more is sent on it (knex marks a transaction completed when it sends COMMIT or ROLLBACK). */
  end(): void {
    this.completed = true;
  }

  settle(outcome: Promise<unknown>): void {
    this.settleExecution(outcome);
  }
}
