import type { Binding, DriverAnswer } from './driver-statement';

/** One statement on SQLite's connection, answered synchronously (better-sqlite3), with knex's events; throws the driver's error. */
export type SqliteRun = (connection: GroupConnection, sql: string, bindings: readonly Binding[]) => DriverAnswer;

/** The part of better-sqlite3's connection the group reads: whether SQLite still holds the group's transaction open. */
export interface GroupConnection {
  readonly inTransaction: boolean;
  __knexTxId?: unknown;
}

/** knex's client, through which a group takes SQLite's one connection and gives it back (as `runOnDriver` does). */
export interface GroupClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
}

/** The part of knex's pool (tarn) that lists who waits for the connection, in the order they asked. */
export interface GroupPool {
  readonly pendingAcquires: readonly unknown[];
}

/**
 * A store transaction run in a group: `alone`, it is the group's only member and runs as it would
 * without groups (BEGIN … COMMIT); else inside the group's transaction, as a savepoint.
 */
export type GroupWork = (connection: GroupConnection, alone: boolean) => Promise<unknown>;

interface Statement {
  readonly sql: string;
  readonly bindings: readonly Binding[];
}

/** A statement or a transaction waiting in a group, and how its caller is told. */
interface Member {
  readonly statement: Statement | undefined;
  readonly work: GroupWork | undefined;
  resolve(answer: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { readonly answer: unknown } | { readonly error: unknown };

interface Group {
  readonly members: Member[];
  readonly connection: Promise<unknown>;
  /** Its wait in the pool's list; undefined when the connection was free and it got it at once. */
  readonly wait: unknown;
}

let groupCount = 0;
const NO_BINDINGS: readonly Binding[] = [];

/**
 * Group commit on SQLite (issue #20, lib/store/README.md "Group commit"): the statements sent
 * outside a transaction in one turn of the event loop, and the store transactions asked for in
 * it (each a savepoint, `driver-transaction.ts`), from any callers, run together in one
 * BEGIN IMMEDIATE … COMMIT at the end of the turn, and each caller's promise settles after that
 * COMMIT. A commit costs more than the statements it commits (~20 µs and a WAL frame per page),
 * so a turn's writes share one.
 *
 * A group asks knex for the connection as soon as it starts (its pool hands it out in the order
 * asked), so it runs exactly where its first statement would have run alone: a knex builder's
 * statement or a knex transaction asked for after it waits for it. It takes more statements only
 * while nothing else waits behind it for the connection; once something does, the next statement
 * starts a group of its own behind that, so no caller's statements run in another order than it
 * sent them. It runs at `setImmediate`, not in a microtask: a microtask would close the group
 * within the promise chain of its first caller, before the other callers' I/O of the same turn
 * (events from the switch, HTTP requests) has sent anything.
 *
 * A statement that fails fails only its caller: SQLite backs out the failed statement alone and
 * keeps the transaction (a unique key's violation reaches its caller as it would alone). An error
 * after which SQLite has rolled the transaction back (a full disk, an I/O error), or a failed
 * BEGIN or COMMIT, fails every member: none of their writes landed. A group of one statement
 * runs alone, as it would without groups.
 */
export class SqliteGroupCommit {
  private collecting: Group | undefined;

  constructor(
    private readonly client: GroupClient,
    private readonly pool: GroupPool,
    private readonly run: SqliteRun,
  ) {}

  /** Whether a statement sent now would join a group (then a read joins it too, to run after the writes sent before it). */
  get open(): boolean {
    return this.collecting !== undefined && this.joinable(this.collecting);
  }

  /** Runs the statement in this turn's group; answers what it answered, once the group has committed. */
  send(sql: string, bindings: readonly Binding[]): Promise<DriverAnswer> {
    return this.join({ sql, bindings }, undefined) as Promise<DriverAnswer>;
  }

  /** Runs a store transaction in this turn's group (see GroupWork); answers what it answered, once the group has committed. */
  transact(work: GroupWork): Promise<unknown> {
    return this.join(undefined, work);
  }

  private join(statement: Statement | undefined, work: GroupWork | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const member: Member = { statement, work, resolve, reject };
      const current = this.collecting;
      if (current !== undefined && this.joinable(current)) {
        current.members.push(member);
        return;
      }
      // knex asks tarn synchronously: a wait of ours, if the connection is not free, is now last in the list.
      const connection = this.client.acquireConnection();
      const group: Group = { members: [member], connection, wait: this.pool.pendingAcquires.at(-1) };
      this.collecting = group;
      void this.commitAtEndOfTurn(group);
    });
  }

  /** Nobody asked for the connection after the group did: still waiting for it and last in line, or holding it with nobody waiting. */
  private joinable(group: Group): boolean {
    const waiting = this.pool.pendingAcquires;
    return waiting.length === 0 || waiting.at(-1) === group.wait;
  }

  private async commitAtEndOfTurn(group: Group): Promise<void> {
    let connection: GroupConnection;
    try {
      [connection] = (await Promise.all([group.connection, endOfTurn()])) as [GroupConnection, void];
    } catch (error) {
      this.close(group);
      for (const member of group.members) member.reject(error);
      return;
    }
    this.close(group);
    let outcomes: readonly Outcome[];
    try {
      outcomes = await this.runGroup(connection, group.members);
    } finally {
      await this.client.releaseConnection(connection);
    }
    group.members.forEach((member, index) => {
      const outcome = outcomes[index]!;
      if ('answer' in outcome) member.resolve(outcome.answer);
      else member.reject(outcome.error);
    });
  }

  private close(group: Group): void {
    if (this.collecting === group) this.collecting = undefined;
  }

  /** The members in one transaction (one alone runs alone); each one's outcome, all failed when the transaction did. */
  private async runGroup(connection: GroupConnection, members: readonly Member[]): Promise<Outcome[]> {
    if (members.length === 1) return [await this.attemptMember(connection, members[0]!, true)];
    groupCount += 1;
    // knex's transaction id on the events: counters and rigs see one commit of these statements.
    connection.__knexTxId = `store-group${groupCount}`;
    try {
      // IMMEDIATE takes the write lock now: a busy database fails the group here, not each write after a wait.
      const begun = this.attemptSql(connection, 'BEGIN IMMEDIATE;');
      if ('error' in begun) return members.map(() => begun);
      const outcomes: Outcome[] = [];
      for (const member of members) {
        const outcome = member.work === undefined ? this.attempt(connection, member.statement!) : await this.attemptMember(connection, member, false);
        if ('error' in outcome && !connection.inTransaction) return members.map(() => outcome);
        outcomes.push(outcome);
      }
      const committed = this.attemptSql(connection, 'COMMIT;');
      if ('error' in committed) {
        // A COMMIT refused (a deferred constraint, a busy reader) leaves the transaction open.
        if (connection.inTransaction) this.attemptSql(connection, 'ROLLBACK;');
        return members.map(() => committed);
      }
      return outcomes;
    } finally {
      delete connection.__knexTxId;
    }
  }

  private async attemptMember(connection: GroupConnection, member: Member, alone: boolean): Promise<Outcome> {
    if (member.work === undefined) return this.attempt(connection, member.statement!);
    try {
      return { answer: await member.work(connection, alone) };
    } catch (error) {
      return { error };
    }
  }

  private attempt(connection: GroupConnection, { sql, bindings }: Statement): Outcome {
    try {
      return { answer: this.run(connection, sql, bindings) };
    } catch (error) {
      return { error };
    }
  }

  private attemptSql(connection: GroupConnection, sql: string): Outcome {
    return this.attempt(connection, { sql, bindings: NO_BINDINGS });
  }
}

function endOfTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
