import type { Knex } from 'knex';
import type { CallbackMode } from '../../../lib/store/callback-requests';
import { shapeOf } from '../../../bench/sql-count';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

/** One commit: a transaction's statements (BEGIN … COMMIT), or one write outside any. */
type Commit = readonly string[];

interface Recorded {
  readonly commits: Commit[];
  /** Round trips of the writes: their statements, BEGIN and COMMIT included, less those sent in another's packet (MariaDB). */
  writeRoundTrips: number;
  /** A pipelined unit that found other than its common case rolls back and runs again: none in a callback that goes as planned. */
  rollbacks: number;
  stop(): void;
}

const WRITE = /^\s*(?:insert|update|delete|replace)\b/i;

/**
 * The commits the database received, in order, each as the shapes of its statements. A statement
 * inside a transaction carries knex's transaction id; reads outside one commit nothing.
 */
function recordCommits(db: Knex): Recorded {
  const commits: Commit[] = [];
  const open = new Map<unknown, string[]>();
  const onQuery = (query: { sql: string; __knexTxId?: unknown; sharesRoundTrip?: unknown }): void => {
    const shape = shapeOf(query.sql);
    const tx = query.__knexTxId;
    if (tx === undefined) {
      if (!WRITE.test(shape)) return;
      commits.push([shape]);
      recorded.writeRoundTrips += 1;
      return;
    }
    if (query.sharesRoundTrip !== true) recorded.writeRoundTrips += 1;
    if (/^rollback\b/i.test(shape)) recorded.rollbacks += 1;
    const statements = open.get(tx) ?? [];
    open.set(tx, statements);
    if (/^commit\b/i.test(shape)) {
      // A store transaction inside a SQLite group commit is a savepoint: its bounds are no writes.
      commits.push(statements.filter((sql) => !/^(?:begin|savepoint|release)\b/i.test(sql)));
      open.delete(tx);
    } else statements.push(shape);
  };
  const recorded: Recorded = { commits, writeRoundTrips: 0, rollbacks: 0, stop: () => void db.removeListener('query', onQuery) };
  db.on('query', onQuery);
  return recorded;
}

/** A commit as its statements' verbs and tables, e.g. `insert cdrs, update accounts`. */
const tables = (commit: Commit): string => commit.map((sql) => /^(\w+) (?:into )?[`"]?(\w+)/i.exec(sql)?.slice(1, 3).join(' ').toLowerCase() ?? sql).join(', ');

/**
 * The commits, as a sorted list: a mark queued behind an event and the move that event decides
 * run beside each other (engine README, "Acting before the write"), so which commits first may
 * differ from run to run; what each commit holds, and how many there are, does not.
 */
const commitSet = (commits: readonly Commit[]): string[] => commits.map(tables).sort();

/** The request's last commit: both legs' settlements (CDR, the owner's money, the hold, the row) and its final move. */
const SETTLED_WITH_THE_END = 'insert cdrs, update accounts, update reservations, update legs, insert cdrs, update accounts, update reservations, update legs, update callback_requests';

/*
 * Issue #20: what a callback commits on the normal path (answered, bridged, hung up), on each
 * database, from the order to its final state. Each commit is a WAL append on SQLite and a
 * durable fsync on MariaDB; the engine README's "Which writes a call makes" explains each.
 */
describeEachDatabase('callback engine, commits per callback', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function commitsOfOneCall(mode: CallbackMode): Promise<Recorded> {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    r.sim.setPhone(SOURCE, { kind: 'answer', afterMs: 50 });
    r.sim.setPhone(DESTINATION, { kind: 'answer', afterMs: 100, hangupAfterMs: 3_000 });
    const recorded = recordCommits(getDb());
    try {
      const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode });
      expect(await r.finish(request.id)).toMatchObject({ state: 'completed' });
    } finally {
      recorded.stop();
    }
    return recorded;
  }

  it('simultaneous mode: 6 commits, the order\'s row with its first holds, the second answer and the legs\' bridged written with the move to bridged, the legs settled with the final move', async () => {
    const { commits, writeRoundTrips, rollbacks } = await commitsOfOneCall('simultaneous');
    expect(commitSet(commits)).toEqual(
      [
        // The order's row, written with its first holds (an order due now, written-order.ts).
        'insert callback_requests, update accounts, insert reservations, insert reservations',
        'insert legs',
        'insert legs',
        // The first answer; then the request's move to bridged with both legs' rows to bridged and the second answer.
        'update legs',
        'update callback_requests, update legs',
        SETTLED_WITH_THE_END,
      ].sort(),
    );
    expect(tables(commits.at(-1)!)).toBe(SETTLED_WITH_THE_END);
    // 24 write statements (BEGIN and COMMIT included). On MariaDB the bridge's, the end's and the
    // order's with its holds are one packet each (the first hold's INSERT kept for the last one's
    // packet, its id read from that packet's answer): 18 round trips until they were pipelined
    // (2026-12-07), 8 until the row was written with the holds (7 commits then), 7 until the first
    // hold's INSERT went with the last (2026-12-08).
    expect(writeRoundTrips).toBe(dbEngine === 'mariadb' ? 6 : 24);
    expect(rollbacks).toBe(0);
  });

  it('callbacks at the same time: the same writes as each alone; on SQLite those of a loop turn share a commit (group commit), so fewer than 6 commits each', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const parties = [
      [SOURCE, DESTINATION],
      ['+12025550103', '+12025550204'],
    ] as const;
    const accounts = [await r.account(100_000), await r.account(100_000)];
    for (const [source, destination] of parties) {
      r.sim.setPhone(source, { kind: 'answer', afterMs: 50 });
      r.sim.setPhone(destination, { kind: 'answer', afterMs: 100, hangupAfterMs: 3_000 });
    }
    const recorded = recordCommits(getDb());
    try {
      const orders = await Promise.all(parties.map(([source, destination], index) => r.engine.order({ accountId: accounts[index]!.id, source, destination, mode: 'simultaneous' })));
      for (const { request } of orders) expect(await r.finish(request.id)).toMatchObject({ state: 'completed' });
    } finally {
      recorded.stop();
    }
    const writes = recorded.commits.flat().filter((sql) => WRITE.test(sql));
    expect(writes).toHaveLength(2 * 18);
    if (dbEngine === 'mariadb') expect(recorded.commits).toHaveLength(12);
    else expect(recorded.commits.length).toBeLessThan(12);
  });

  it('source first: 7 commits, the order\'s row with its first holds, A\'s answer and new hold written in the holds\' transaction, B\'s and the legs\' bridged with the move to bridged, the legs settled with the final move', async () => {
    const { commits, writeRoundTrips, rollbacks } = await commitsOfOneCall('source_first');
    expect(commitSet(commits)).toEqual(
      [
        'insert callback_requests, update accounts, insert reservations',
        'insert legs',
        // The move to dialing_b.
        'update callback_requests',
        // B3: the talk's holds replace A's setup hold, and A's row, last, carries its new hold and its answer.
        'update accounts, update reservations, update accounts, insert reservations, insert reservations, update legs',
        'insert legs',
        // The move to bridged with both legs' rows to bridged and B's answer.
        'update callback_requests, update legs',
        SETTLED_WITH_THE_END,
      ].sort(),
    );
    expect(tables(commits.at(-1)!)).toBe(SETTLED_WITH_THE_END);
    // A's row took the COMMIT from the holds' last INSERT: a commit less, as many round trips. On
    // MariaDB B3's holds take one packet for both INSERTs (the first kept for the last one's
    // packet, its id read from its answer) and one for the rest with the COMMIT: 23 round trips
    // until the units were pipelined (2026-12-07); 10 (and 8 commits) until the order's row was
    // written with its first hold; 9 until the first INSERT went with the last (2026-12-08).
    expect(writeRoundTrips).toBe(dbEngine === 'mariadb' ? 8 : 31);
    expect(rollbacks).toBe(0);
  });
});
