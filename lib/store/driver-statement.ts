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
interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
  emit(event: string, ...args: unknown[]): boolean;
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
  if (isTransaction(db) && db.isCompleted()) throw new Error(`Transaction query already complete: ${sql}`);
  const client = db.client as KnexClient;
  const mysql = isMysql(db);
  const connection = (await client.acquireConnection()) as KnexConnection;
  try {
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
  } finally {
    await client.releaseConnection(connection);
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
