import type { Knex } from 'knex';
import { isMysql } from './schema';
import { SqliteGroupCommit } from './sqlite-group-commit';

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
  /** Sent in the same packet as the statement next to it (a transaction's BEGIN or COMMIT on MariaDB): no round trip of its own. */
  readonly sharesRoundTrip: boolean;
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
  /** Who waits for a connection, in the order asked (`sqlite-group-commit.ts`). */
  readonly pendingAcquires: readonly unknown[];
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
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
}

interface MysqlConnection extends KnexConnection {
  query(sql: string, bindings: readonly Binding[], done: (error: Error | null, result: unknown) => void): MysqlQuery;
}

/** mysql2's command for one query packet: it emits `fields` as each statement of the packet has answered its header (an OK packet: at once). */
interface MysqlQuery {
  once(event: 'fields', listener: () => void): unknown;
}

/** A store transaction (`driver-transaction.ts`), which sends a statement on its connection itself (it may carry its BEGIN or COMMIT). */
export interface TransactionChannel {
  /** `answeredWithNext`: a pipelined try may keep the statement and answer it from the next packet (preparedInsert). */
  run(sql: string, bindings: readonly Binding[], expectedChanges: number | undefined, answeredWithNext: boolean): Promise<DriverAnswer>;
}

/** On the client of a transaction of `driver-transaction.ts`: the transaction, used without asking the client for its connection. */
export const TRANSACTION_CHANNEL = Symbol('a store transaction');

/**
 * Statements sent in one packet with a statement on MariaDB (with mysql2's `multipleStatements`):
 * its transaction's BEGIN before it, its COMMIT after it. Each is a round trip less (issue #20).
 */
export interface Companions {
  readonly begin: boolean;
  readonly commit: boolean;
}

const ALONE: Companions = { begin: false, commit: false };

/** Set on the error of a packet whose BEGIN failed (so no transaction was opened): see beginFailed. */
const BEGIN_FAILED = Symbol('the BEGIN sent with this statement failed');

let queryCount = 0;

/**
 * Runs one statement on the driver connection knex would use, without knex's per-statement
 * machinery (runner, builder, `toSQL`, binding scan: about a tenth of a callback's CPU, issue #20).
 * What knex guarantees is kept: inside a transaction `db` is the transaction, whose client answers
 * its own connection; otherwise the connection is acquired from the pool and released, so SQLite's
 * single connection never runs this in the middle of another caller's open transaction. On SQLite
 * a write outside a transaction, and a read sent while the turn's group is open, go to the group
 * commit instead (`sqlite-group-commit.ts`), which takes the connection the same way. knex's
 * `query`, `query-response` and `query-error` events fire as for its own statements (the SQL
 * counter and the test rigs listen to them), and the driver's error is thrown as it came, its
 * code intact for `sql-errors.ts`, with the SQL (not the values: numbers are personal data) in
 * front of its message as knex puts it.
 */
export async function runOnDriver(db: Knex, sql: string, bindings: readonly Binding[], expectedChanges?: number, answeredWithNext = false): Promise<DriverAnswer> {
  const transaction = isTransaction(db);
  if (transaction && db.isCompleted()) throw new Error(`Transaction query already complete: ${sql}`);
  const client = db.client as DriverClient & { readonly [TRANSACTION_CHANNEL]?: TransactionChannel };
  const mysql = isMysql(db);
  if (transaction) {
    const own = client[TRANSACTION_CHANNEL];
    if (own !== undefined) return own.run(sql, bindings, expectedChanges, answeredWithNext);
  } else if (!mysql) {
    const group = sqliteGroupOf(client);
    // A read runs at once unless it comes after a write of this turn's group, which it must see.
    if (group !== undefined && (group.open || !READ.test(sql))) return group.send(sql, bindings);
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

/** A statement that only reads (the rest, a write, joins a group commit on SQLite). */
const READ = /^\s*select\b/i;

/** Each SQLite pool's group commit (`sqlite-group-commit.ts`), made at its first write or transaction. */
const groups = new WeakMap<object, SqliteGroupCommit>();

export function sqliteGroupOf(client: DriverClient): SqliteGroupCommit | undefined {
  const pool = client.pool;
  if (!pool) return undefined;
  let group = groups.get(pool);
  if (group === undefined) {
    group = new SqliteGroupCommit(client, pool, (connection, sql, bindings) => runOnSqliteConnection(client, connection as SqliteConnection, sql, bindings));
    groups.set(pool, group);
  }
  return group;
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

/**
 * One statement on `connection`, with knex's `query`, `query-response` and `query-error` events
 * (see runOnDriver). On MariaDB `companions` may send the transaction's BEGIN before it and its
 * COMMIT after it in the same packet (`runPacket`).
 */
export async function runOnConnection(client: DriverClient, connection: KnexConnection, sql: string, bindings: readonly Binding[], mysql: boolean, companions: Companions = ALONE): Promise<DriverAnswer> {
  if (mysql) return (await runPacket(client, connection, { begin: companions.begin, statements: [{ sql, bindings }], commit: companions.commit }))[0]!;
  return runOnSqliteConnection(client, connection as SqliteConnection, sql, bindings);
}

/** One statement on SQLite's connection, synchronously, with knex's events (see runOnConnection). */
function runOnSqliteConnection(client: DriverClient, connection: SqliteConnection, sql: string, bindings: readonly Binding[]): DriverAnswer {
  const event = queryEvent(connection, sql, bindings, false);
  client.emit('query', event);
  try {
    const answer = runOnSqlite(connection, sql, bindings);
    client.emit('query-response', answer, event);
    return answer;
  } catch (error) {
    if (hasMessage(error)) error.message = `${sql} - ${error.message}`;
    client.emit('query-error', error, event);
    throw error;
  }
}

/** A statement of a packet; with `expectedChanges`, the packet stops unless it changed that many rows (see runPacket). */
export interface PacketStatement {
  readonly sql: string;
  readonly bindings: readonly Binding[];
  readonly expectedChanges?: number | undefined;
}

/** Statements sent in one packet on MariaDB, with the transaction's BEGIN before them and its COMMIT after them if asked. */
export interface Packet extends Companions {
  readonly statements: readonly PacketStatement[];
}

/**
 * The server's check after a statement sent with `expectedChanges` (issue #20, pipelining): an
 * error, which stops the packet there, unless the statement changed the rows expected (with
 * mysql2's FOUND_ROWS, as its answer counts them: the rows it matched). The count is a binding.
 */
const CHANGES_CHECK = "IF ROW_COUNT() <> ? THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'a pipelined statement changed other rows than expected'; END IF";

/**
 * Statements in one packet on MariaDB (mysql2's `multipleStatements`): one round trip for all of
 * them, each answered as if sent alone. Each fires knex's events as when sent alone (so statements
 * and commits count as before), all but the first statement marked as sharing its round trip. The
 * server runs a packet's statements in order and stops at the first that fails: a COMMIT after a
 * failed statement is not run, and neither is anything after a statement that did not change the
 * rows it was expected to (`CHANGES_CHECK`, not reported as a statement of its own). A failed
 * BEGIN is told by `beginFailed(error)`.
 */
export async function runPacket(client: DriverClient, connection: KnexConnection, packet: Packet): Promise<DriverAnswer[]> {
  const begin = packet.begin ? queryEvent(connection, 'BEGIN;', NO_BINDINGS, true) : undefined;
  const events = packet.statements.map(({ sql, bindings }, index) => queryEvent(connection, sql, bindings, index > 0));
  const commit = packet.commit ? queryEvent(connection, 'COMMIT;', NO_BINDINGS, true) : undefined;
  if (begin) client.emit('query', begin);
  for (const event of events) client.emit('query', event);
  if (commit) client.emit('query', commit);
  try {
    const answers = await runOnMysql(connection as MysqlConnection, packet);
    if (begin) client.emit('query-response', NO_ANSWER, begin);
    events.forEach((event, index) => client.emit('query-response', answers[index], event));
    if (commit) client.emit('query-response', NO_ANSWER, commit);
    return answers;
  } catch (error) {
    if (hasMessage(error)) error.message = `${packet.statements.map(({ sql }) => sql).join('; ')} - ${error.message}`;
    for (const event of events) client.emit('query-error', error, event);
    throw error;
  }
}

/** Whether `error`, thrown by runOnConnection for a statement sent with its BEGIN, came from the BEGIN: no transaction was opened. */
export function beginFailed(error: unknown): boolean {
  return typeof error === 'object' && error !== null && BEGIN_FAILED in error;
}

const NO_ANSWER: DriverAnswer = { rows: undefined, changes: 0, insertId: undefined };
const NO_BINDINGS: readonly Binding[] = [];

function queryEvent(connection: KnexConnection, sql: string, bindings: readonly Binding[], sharesRoundTrip: boolean): QueryEvent {
  queryCount += 1;
  return { sql, bindings, method: 'raw', __knexUid: connection.__knexUid, __knexTxId: connection.__knexTxId, __knexQueryUid: `driver-${queryCount}`, sharesRoundTrip };
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

/**
 * The packet as one query: its statements joined, their bindings in order. mysql2 answers a read's
 * rows as an array, a write's ResultSetHeader as an object; a query of several statements, an
 * array of those answers, one per statement (BEGIN's and each check's too).
 */
function runOnMysql(connection: MysqlConnection, packet: Packet): Promise<DriverAnswer[]> {
  const parts: string[] = packet.begin ? ['BEGIN'] : [];
  const bindings: Binding[] = [];
  const answerAt: number[] = [];
  for (const statement of packet.statements) {
    answerAt.push(parts.length);
    parts.push(statement.sql);
    bindings.push(...statement.bindings);
    if (statement.expectedChanges !== undefined) {
      parts.push(CHANGES_CHECK);
      bindings.push(statement.expectedChanges);
    }
  }
  if (packet.commit) parts.push('COMMIT');
  const sql = parts.length === 1 ? parts[0]! : parts.join(';\n');
  return new Promise((resolve, reject) => {
    let begun = false;
    const query = connection.query(sql, bindings, (error, result) => {
      if (error) {
        if (packet.begin && !begun) Object.defineProperty(error, BEGIN_FAILED, { value: true });
        reject(error);
        return;
      }
      resolve(parts.length === 1 ? [answerOf(result)] : answerAt.map((index) => answerOf((result as unknown[])[index])));
    });
    // BEGIN is the packet's first statement and answers an OK packet: its `fields` come before any error of the statement after it.
    if (packet.begin) {
      query.once('fields', () => {
        begun = true;
      });
    }
  });
}

function answerOf(result: unknown): DriverAnswer {
  if (Array.isArray(result)) return { rows: result, changes: undefined, insertId: undefined };
  const header = (typeof result === 'object' && result !== null ? result : {}) as { affectedRows?: unknown; insertId?: unknown };
  return {
    rows: undefined,
    changes: typeof header.affectedRows === 'number' ? header.affectedRows : undefined,
    insertId: typeof header.insertId === 'number' ? header.insertId : undefined,
  };
}
