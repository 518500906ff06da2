import type { Knex } from 'knex';
import { isMysql } from './schema';

export type Binding = string | number | null;

/** What a statement answered: a read's rows, or a write's count of changed rows and new id. */
export interface DriverAnswer {
  readonly rows: readonly unknown[] | undefined;
  readonly changes: number | undefined;
  readonly insertId: number | undefined;
}

/** What knex passes with its `query`, `query-response` and `query-error` events. */
interface QueryEvent {
  readonly sql: string;
  readonly bindings: readonly Binding[];
  readonly method: 'raw';
  readonly __knexUid: unknown;
  readonly __knexTxId: unknown;
  readonly __knexQueryUid: string;
}

/** The part of knex's client (a transaction's client answers the transaction's connection) used here. */
export interface DriverClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
  emit(event: string, ...args: unknown[]): boolean;
  /** knex's pool (tarn); none on a transaction's client, or once the database is closed. */
  readonly pool?: ConnectionPool | null;
}

/** The part of tarn's pool that tells whether a connection lies free with nobody waiting for one. */
interface ConnectionPool {
  numPendingAcquires(): number;
  readonly free?: ReadonlyArray<{ readonly resource: unknown }>;
}

interface KnexConnection {
  readonly __knexUid?: unknown;
  readonly __knexTxId?: unknown;
}

interface SqliteStatement {
  readonly reader: boolean;
  all(bindings: readonly Binding[]): unknown[];
  run(bindings: readonly Binding[]): { changes: number; lastInsertRowid: number | bigint };
}

interface SqliteConnection extends KnexConnection {
  prepare(sql: string): SqliteStatement;
}

interface MysqlConnection extends KnexConnection {
  query(sql: string, bindings: readonly Binding[], done: (error: Error | null, result: unknown) => void): void;
}

/** On the client of a transaction of `driver-transaction.ts`: its connection, used without asking the client for it. */
export const TRANSACTION_CONNECTION = Symbol('the connection of a store transaction');

let queryCount = 0;

/**
 * Runs one statement on the driver connection knex would use, without knex's per-statement
 * machinery (runner, builder, `toSQL`, binding scan: about a tenth of a callback's CPU, issue #20).
 * What knex guarantees is kept: inside a transaction `db` is the transaction, whose client answers
 * its own connection; otherwise the connection is acquired from the pool and released, so SQLite's
 * single connection never runs this in the middle of another caller's open transaction. knex's
 * `query`, `query-response` and `query-error` events fire as for its own statements (the SQL
 * counter and the test rigs listen to them), and the driver's error is thrown as it came, its
 * code intact for `sql-errors.ts`, with the SQL (not the values: numbers are personal data) in
 * front of its message as knex puts it.
 */
export async function runOnDriver(db: Knex, sql: string, bindings: readonly Binding[]): Promise<DriverAnswer> {
  const transaction = isTransaction(db);
  if (transaction && db.isCompleted()) throw new Error(`Transaction query already complete: ${sql}`);
  const client = db.client as DriverClient & { readonly [TRANSACTION_CONNECTION]?: KnexConnection };
  const mysql = isMysql(db);
  if (transaction) {
    const own = client[TRANSACTION_CONNECTION];
    if (own !== undefined) return runOnConnection(client, own, sql, bindings, mysql);
  } else if (!mysql) {
    const idle = idleSqliteConnection(client);
    if (idle !== undefined) return runOnConnection(client, idle, sql, bindings, false);
  }
  const connection = (await client.acquireConnection()) as KnexConnection;
  try {
    return await runOnConnection(client, connection, sql, bindings, mysql);
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * SQLite's one connection when it lies free and nobody waits for it. A statement on it then runs
 * without the pool's acquire and release (a promise chain and a timer each, about 3 % of a
 * callback's CPU on SQLite, issue #20): a connection in the free list is in no transaction, and
 * better-sqlite3 runs the statement synchronously, so nothing can take the connection, nor open a
 * transaction on it, before it is done. While a caller waits for it, the pool decides who is next.
 */
function idleSqliteConnection(client: DriverClient): SqliteConnection | undefined {
  const pool = client.pool;
  if (!pool || pool.numPendingAcquires() > 0) return undefined;
  return pool.free?.[0]?.resource as SqliteConnection | undefined;
}

/** One statement on `connection`, with knex's `query`, `query-response` and `query-error` events (see runOnDriver). */
export async function runOnConnection(client: DriverClient, connection: KnexConnection, sql: string, bindings: readonly Binding[], mysql: boolean): Promise<DriverAnswer> {
  queryCount += 1;
  const event: QueryEvent = { sql, bindings, method: 'raw', __knexUid: connection.__knexUid, __knexTxId: connection.__knexTxId, __knexQueryUid: `driver-${queryCount}` };
  client.emit('query', event);
  try {
    const answer = mysql ? await runOnMysql(connection as MysqlConnection, sql, bindings) : runOnSqlite(connection as SqliteConnection, sql, bindings);
    client.emit('query-response', answer, event);
    return answer;
  } catch (error) {
    if (hasMessage(error)) error.message = `${sql} - ${error.message}`;
    client.emit('query-error', error, event);
    throw error;
  }
}

/** Not `instanceof Error`: better-sqlite3's native addon makes its errors in the realm that loaded it first (jest runs each file in its own). */
function hasMessage(error: unknown): error is { message: string } {
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

function isTransaction(db: Knex): db is Knex.Transaction {
  return 'isCompleted' in db;
}

/** better-sqlite3 runs synchronously; `prepare` answers the connection's cached statement (statement-cache.ts). */
function runOnSqlite(connection: SqliteConnection, sql: string, bindings: readonly Binding[]): DriverAnswer {
  const statement = connection.prepare(sql);
  if (statement.reader) return { rows: statement.all(bindings), changes: undefined, insertId: undefined };
  const { changes, lastInsertRowid } = statement.run(bindings);
  // A bigint only past 2^53 with safe integers on, which we never turn on.
  return { rows: undefined, changes, insertId: typeof lastInsertRowid === 'number' ? lastInsertRowid : undefined };
}

/** mysql2 answers a read's rows as an array, a write's ResultSetHeader as an object. */
function runOnMysql(connection: MysqlConnection, sql: string, bindings: readonly Binding[]): Promise<DriverAnswer> {
  return new Promise((resolve, reject) => {
    connection.query(sql, bindings, (error, result) => {
      if (error) {
        reject(error);
        return;
      }
      if (Array.isArray(result)) {
        resolve({ rows: result, changes: undefined, insertId: undefined });
        return;
      }
      const header = (typeof result === 'object' && result !== null ? result : {}) as { affectedRows?: unknown; insertId?: unknown };
      resolve({
        rows: undefined,
        changes: typeof header.affectedRows === 'number' ? header.affectedRows : undefined,
        insertId: typeof header.insertId === 'number' ? header.insertId : undefined,
      });
    });
  });
}
