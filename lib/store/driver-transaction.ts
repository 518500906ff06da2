import type { Knex } from 'knex';
import { beginFailed, runOnConnection, runPacket, sqliteGroupOf, TRANSACTION_CHANNEL, type Binding, type DriverAnswer, type DriverClient, type PacketStatement, type TransactionChannel } from './driver-statement';
import { isMysql } from './schema';
import type { SqliteGroupCommit } from './sqlite-group-commit';

/** knex's own words for a statement sent on a transaction that has ended. */
const COMPLETED = 'Transaction query already complete';

const NESTED = 'a transaction inside a store transaction is not supported: a repository joins the one it is given';

let transactionCount = 0;

export interface TransactionOptions {
  /**
   * On MariaDB, try the work pipelined first (issue #20): its writes that say what they change in
   * the common case go in as few packets as its reads allow (see DriverTransaction). Only for a
   * work that may run twice: when anything differs from the common case, it runs again as usual.
   */
  readonly pipelined?: boolean;
}

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
 * back, so on SQLite, whose one connection it is, every other statement waits for the COMMIT
 * (there it joins the loop turn's group commit: `inSqliteGroup`).
 * BEGIN, COMMIT and ROLLBACK fire knex's `query` events as knex sends them.
 *
 * On MariaDB a round trip is saved at each end (issue #20): BEGIN goes in one packet with the
 * first statement (a builder's statement, which knex sends itself, gets it on its own before it),
 * and the work may send its last statement with the COMMIT (`asLastStatement`). A transaction
 * that sent nothing sends neither.
 *
 * `pipelined` (MariaDB only): the work runs first with its expected writes answered at once as
 * expected and sent together later (`DriverTransaction`). Should that try fail in any way before
 * its COMMIT (a write that changed other rows, a duplicate key, a deadlock, the work's own error),
 * it is rolled back and the work runs again on the same connection as without `pipelined`, which
 * handles each of those cases as it always did: only the common case is made cheaper.
 */
export async function inDriverTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  // A BEGIN inside an open transaction would commit it on MariaDB (and fail on SQLite).
  if (db.isTransaction) throw new Error(NESTED);
  const root = db.client as DriverClient;
  const mysql = isMysql(db);
  // On SQLite, the loop turn's group commit; a closed pool has none, and the acquire below says so as knex does.
  const group = mysql ? undefined : sqliteGroupOf(root);
  if (group !== undefined) return inSqliteGroup(db, root, group, work);
  const connection = (await root.acquireConnection()) as { __knexTxId?: unknown };
  transactionCount += 1;
  connection.__knexTxId = `store-trx${transactionCount}`;
  try {
    if (mysql && options.pipelined === true && isMariaDb(connection)) {
      const pipelined = new DriverTransaction(db, root, connection, true, true);
      try {
        return await pipelined.perform(work);
      } catch (error) {
        // Committed: the work's writes landed, and it must not run again.
        if (pipelined.committed) throw error;
      }
    }
    return await new DriverTransaction(db, root, connection, mysql, false).perform(work);
  } finally {
    delete connection.__knexTxId;
    await root.releaseConnection(connection);
  }
}

const SAVEPOINT = 'store_trx';

/**
 * A transaction on SQLite joins the loop turn's group commit (`sqlite-group-commit.ts`, issue
 * #20): alone in its group it runs as above (BEGIN … COMMIT), else as a savepoint of the group's
 * transaction, released when its work succeeds and rolled back to when it fails, so its writes
 * land or not exactly as its own transaction's would, and its compare-and-sets read the rows as
 * the statements before it in the group left them (one connection runs the group in order). Its
 * caller, and its `executionPromise`, are answered after the group's COMMIT: a COMMIT that fails
 * fails it too, though its work succeeded.
 */
async function inSqliteGroup<T>(db: Knex, root: DriverClient, group: SqliteGroupCommit, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  let transaction: DriverTransaction | undefined;
  try {
    const value = (await group.transact(async (connection, alone) => {
      if (alone) return inSqliteTransaction(db, root, connection, work);
      transaction = new DriverTransaction(db, root, connection, false, false, true);
      await runOnConnection(root, connection, `SAVEPOINT ${SAVEPOINT};`, [], false);
      return transaction.perform(work);
    })) as T;
    transaction?.settle(Promise.resolve(value));
    return value;
  } catch (error) {
    transaction?.settle(Promise.reject(error));
    throw error;
  }
}

/** A group's only member: its own BEGIN … COMMIT, as without groups. */
async function inSqliteTransaction<T>(db: Knex, root: DriverClient, connection: { __knexTxId?: unknown }, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  transactionCount += 1;
  connection.__knexTxId = `store-trx${transactionCount}`;
  try {
    // SQLite has no round trips to save: its BEGIN is sent as knex sends it.
    await runOnConnection(root, connection, 'BEGIN;', [], false);
    return await new DriverTransaction(db, root, connection, false, false).perform(work);
  } finally {
    delete connection.__knexTxId;
  }
}

/**
 * Whether the connection's server is MariaDB, as mysql2 read it from the handshake. A pipelined
 * packet's checks are compound IFs outside a stored program, which MariaDB runs and MySQL refuses:
 * on MySQL every pipelined try would fail and fall back, a wasted round trip and an error per unit.
 * The field is mysql2's own (not typed): should it go, pipelining goes quietly with it, and
 * commits-per-callback.test.ts, which pins MariaDB's round trips, says so.
 */
function isMariaDb(connection: object): boolean {
  return (connection as { _isMariaDB?: unknown })._isMariaDB === true;
}

/**
 * Sends the statement `send` makes (a repository's write: one built statement) with the
 * transaction's COMMIT, in one packet on MariaDB: a round trip less (issue #20). Only the one who
 * opened the transaction knows that nothing follows, so only it may say so, and only for a
 * statement whose failure it lets fail the transaction: if the statement fails, the COMMIT is not
 * run and the transaction rolls back with that error even if the work goes on. Anything sent after
 * it is refused; should `send` make no built statement (a builder's, or none), the COMMIT is sent
 * after the work as usual. Elsewhere (SQLite, not a store transaction) `send` just runs.
 */
export function asLastStatement<T>(trx: Knex, send: () => Promise<T>): Promise<T> {
  const transaction = (trx.client as { readonly [TRANSACTION_CHANNEL]?: TransactionChannel })[TRANSACTION_CHANNEL];
  if (transaction instanceof DriverTransaction) transaction.commitWithNextStatement();
  return send();
}

/**
 * Whether `trx` is a pipelined try that keeps a statement sent with `answeredWithNext`
 * (preparedInsert) for its next packet (issue #20). Only then may a caller send its next statement
 * before that one answered: an ordinary transaction sends each statement as it comes, so a later
 * one (carrying the COMMIT, say) would run even if the one before it failed.
 */
export function keepsForNextPacket(trx: Knex): boolean {
  const transaction = (trx.client as { readonly [TRANSACTION_CHANNEL]?: TransactionChannel })[TRANSACTION_CHANNEL];
  return transaction instanceof DriverTransaction && transaction.keepsForNextPacket;
}

/** A statement a pipelined try keeps for its next packet; `answer`, for one whose real answer is awaited (answeredWithNext). */
interface KeptStatement {
  readonly statement: PacketStatement;
  readonly answer?: { resolve(answer: DriverAnswer): void; reject(error: unknown): void };
}

/** What knex's client is made into for one transaction. */
interface TransactionClient extends DriverClient {
  queryBuilder(): Knex.QueryBuilder;
  raw(...args: unknown[]): unknown;
}

/** Where a transaction stands on the server: nothing sent yet (BEGIN pending, MariaDB), open, or ended. */
type Stage = 'unopened' | 'open' | 'committed' | 'failed';

/**
 * The knex a transaction's work gets: builders, `raw` and built statements, all on its one connection.
 *
 * Pipelined (issue #20), each packet wakes MariaDB's connection thread once, and on a loaded
 * machine that wake, not the statement, is most of the server's CPU: a built write that says how
 * many rows it changes in the common case (`expectedChanges`) is answered so at once and kept;
 * the kept writes go in one packet with whatever must be answered for real (a read, an INSERT's
 * id, a builder's statement) or with the COMMIT, each followed by the server's check that it
 * changed those rows (`runPacket`). A check that fails, or any error, stops the packet before the
 * COMMIT; the try then fails (the error is thrown again at every later statement and at the
 * COMMIT, should the work catch it), and `inDriverTransaction` runs the work again unpipelined.
 */
class DriverTransaction implements TransactionChannel {
  readonly knex: Knex.Transaction;
  private stage: Stage;
  /** The error that ended it before its work did: a failed BEGIN, its last statement failing with its COMMIT, a failed packet when pipelined. */
  private failure: { readonly error: unknown } | undefined;
  private commitNext = false;
  /** From the COMMIT or ROLLBACK (or the last statement) on, nothing more is sent on it. */
  private completed = false;
  /** Pipelined: the writes answered as expected, and those answered from the next packet, not sent yet. */
  private kept: KeptStatement[] = [];
  private settleExecution: (outcome: Promise<unknown>) => void = () => undefined;

  constructor(
    db: Knex,
    private readonly root: DriverClient,
    private readonly connection: object,
    private readonly mysql: boolean,
    private readonly pipelined: boolean,
    /** SQLite, inside a group's transaction: a savepoint, settled by the group after its COMMIT (`settle`). */
    private readonly savepoint = false,
  ) {
    this.stage = mysql ? 'unopened' : 'open';
    // knex's own client, with the connection answered in place of the pool's (a transaction client as knex makes one).
    const client = Object.assign(Object.create(db.client as object) as TransactionClient, {
      transacting: true,
      pool: undefined,
      [TRANSACTION_CHANNEL]: this,
      acquireConnection: () => this.connectionForBuilder(),
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

  get committed(): boolean {
    return this.stage === 'committed';
  }

  get keepsForNextPacket(): boolean {
    return this.pipelined && !this.completed && this.failure === undefined;
  }

  /** The work, then COMMIT; ROLLBACK when it fails (its error thrown as it came). */
  async perform<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    let value: T;
    try {
      value = await work(this.knex);
    } catch (error) {
      await this.rollBack(error);
      throw error;
    }
    await this.commit(value);
    return value;
  }

  commitWithNextStatement(): void {
    if (this.mysql) this.commitNext = true;
  }

  /** A built statement (`runOnDriver`), with the BEGIN still to be sent and the COMMIT it was asked to carry. */
  async run(sql: string, bindings: readonly Binding[], expectedChanges: number | undefined, answeredWithNext: boolean): Promise<DriverAnswer> {
    if (this.completed) throw new Error(`${COMPLETED}: ${sql}`);
    const begin = this.stage === 'unopened';
    const commit = this.commitNext;
    this.commitNext = false;
    if (commit) this.completed = true;
    if (this.pipelined) return this.runPipelined({ sql, bindings, expectedChanges }, commit, answeredWithNext);
    if (begin) this.stage = 'open';
    try {
      const answer = await runOnConnection(this.root, this.connection, sql, bindings, this.mysql, begin || commit ? { begin, commit } : undefined);
      if (commit) this.stage = 'committed';
      return answer;
    } catch (error) {
      if (commit || (begin && beginFailed(error))) this.fail(error);
      throw error;
    }
  }

  /**
   * Kept and answered as expected when it says what it changes (its COMMIT, if it carries it, goes
   * with the kept writes after the work); kept and answered from the next packet when asked
   * (`answeredWithNext`, without a COMMIT to carry); else sent with them.
   */
  private async runPipelined(statement: PacketStatement, commit: boolean, answeredWithNext: boolean): Promise<DriverAnswer> {
    if (this.failure) throw this.failure.error;
    if (answeredWithNext && !commit) {
      const answered = new Promise<DriverAnswer>((resolve, reject) => {
        this.kept.push({ statement, answer: { resolve, reject } });
      });
      // Rejected at a rollback too, when its caller may have stopped waiting: no unhandled rejection.
      answered.catch(() => undefined);
      return answered;
    }
    if (statement.expectedChanges === undefined) return (await this.sendKept(statement, commit)).at(-1)!;
    this.kept.push({ statement });
    return { rows: undefined, changes: statement.expectedChanges, insertId: undefined };
  }

  /** Pipelined: the kept writes, and `last` after them, in one packet (with the BEGIN still to be sent, and the COMMIT if asked); their answers. */
  private async sendKept(last: PacketStatement | undefined, commit: boolean): Promise<DriverAnswer[]> {
    const kept = this.kept;
    this.kept = [];
    const statements = kept.map(({ statement }) => statement);
    if (last !== undefined) statements.push(last);
    const begin = this.stage === 'unopened';
    this.stage = 'open';
    try {
      const answers = await runPacket(this.root, this.connection, { begin, statements, commit });
      if (commit) this.stage = 'committed';
      kept.forEach(({ answer }, index) => answer?.resolve(answers[index]!));
      return answers;
    } catch (error) {
      this.fail(error);
      for (const { answer } of kept) answer?.reject(error);
      throw error;
    }
  }

  /** A builder's statement, which knex sends itself: the BEGIN goes on its own before it, and a COMMIT asked for is sent after the work. */
  private async connectionForBuilder(): Promise<object> {
    if (this.completed) throw new Error(`${COMPLETED}: the statement came after its COMMIT or ROLLBACK`);
    this.commitNext = false;
    if (this.failure) throw this.failure.error;
    if (this.kept.length > 0) await this.sendKept(undefined, false);
    if (this.stage === 'unopened') {
      this.stage = 'open';
      try {
        await runOnConnection(this.root, this.connection, 'BEGIN;', [], true);
      } catch (error) {
        this.fail(error);
        throw error;
      }
    }
    return this.connection;
  }

  private fail(error: unknown): void {
    this.completed = true;
    this.stage = 'failed';
    this.failure ??= { error };
  }

  /** After the work: COMMIT, unless its last statement carried it or nothing was sent; a failure of its own first. */
  async commit(value: unknown): Promise<void> {
    this.completed = true;
    if (this.failure) {
      await this.rollBack(this.failure.error);
      throw this.failure.error;
    }
    if (this.kept.length > 0) {
      try {
        await this.sendKept(undefined, true);
      } catch (error) {
        await this.rollBack(error);
        throw error;
      }
    } else if (this.stage === 'open') {
      try {
        await runOnConnection(this.root, this.connection, this.savepoint ? `RELEASE ${SAVEPOINT};` : 'COMMIT;', [], this.mysql);
      } catch (error) {
        this.settleOwn(Promise.reject(error));
        throw error;
      }
    }
    this.settleOwn(Promise.resolve(value));
  }

  /** executionPromise, once the transaction has ended: by its own COMMIT or ROLLBACK, or as a savepoint by its group's. */
  settle(outcome: Promise<unknown>): void {
    this.settleExecution(outcome);
  }

  private settleOwn(outcome: Promise<unknown>): void {
    if (this.savepoint) outcome.catch(() => undefined);
    else this.settleExecution(outcome);
  }

  /**
   * After the work failed, or a failure of the transaction's own: ROLLBACK, unless nothing is open
   * (a failed ROLLBACK is not reported over the error: the server drops an unfinished transaction
   * with its connection). A work that fails after its last statement committed has its writes
   * landed all the same: there is nothing left to roll back.
   */
  async rollBack(error: unknown): Promise<void> {
    this.completed = true;
    // A statement kept to be answered with a next packet that never went: never sent, so it fails with the work.
    for (const { answer } of this.kept) answer?.reject(error);
    this.kept = [];
    if (this.stage === 'committed') {
      this.settleOwn(Promise.resolve(undefined));
      return;
    }
    if (this.savepoint) {
      // Back to the savepoint, then out of it: the group's transaction goes on without its writes.
      await runOnConnection(this.root, this.connection, `ROLLBACK TO ${SAVEPOINT};`, [], false).catch(() => undefined);
      await runOnConnection(this.root, this.connection, `RELEASE ${SAVEPOINT};`, [], false).catch(() => undefined);
    } else if (this.stage !== 'unopened') await runOnConnection(this.root, this.connection, 'ROLLBACK', [], this.mysql).catch(() => undefined);
    this.settleOwn(Promise.reject(error));
  }
}
