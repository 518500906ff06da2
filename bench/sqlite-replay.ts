/**
 * What SQLite itself costs per callback, and how much of it is commits (issue #20): orders
 * `--calls=N` callbacks (default 400) through the bench controller on SQLite, `--concurrency=C`
 * at a time (default 20, each lane an account of its own, as `bench/sql-breakdown.ts`), and
 * records every statement in the order the database ran it (knex's `query` events, BEGIN and
 * COMMIT included), with a copy of the database taken before the first (`VACUUM INTO`). Then
 * replays that stream on fresh copies on the driver connection alone (no engine, no knex's
 * machinery: the connection `lib/store/database.ts` opens, its pragmas and statement cache), in
 * three ways:
 * - `as sent`: as the service ran them (its group commits, `lib/store/sqlite-group-commit.ts`,
 *   included: a group's BEGIN and COMMIT are in the stream), each statement outside a transaction
 *   its own commit;
 * - `autocommits grouped`: each run of up to `--group=G` (default 40) consecutive statements
 *   outside a transaction in one transaction (what committing the writes of one loop turn
 *   together would do; the service's transactions as they were);
 * - `one commit per G`: every statement, transactions or not, in transactions of G statements
 *   (the bound: what is left when commits cost almost nothing).
 * Prints CPU µs and commits per callback for each, the best of `--rounds=R` (default 3)
 * interleaved rounds. A debugging aid, not a benchmark:
 * `npx tsx bench/sqlite-replay.ts [--calls=N] [--concurrency=C] [--group=G] [--rounds=R]`
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../lib/store/database';
import { startController } from './controller';
import { callbackParties, startSimChild } from './sim-child';
import { option, runScript } from './script';
import { requestEnds } from './request-ends';
import { round } from './stats';

type Binding = string | number | bigint | null | Buffer;

/** The part of a better-sqlite3 connection the replay uses (knex's, opened as the service opens it). */
interface Connection {
  exec(sql: string): unknown;
  prepare(sql: string): Statement;
}

interface Statement {
  readonly reader: boolean;
  all(...bindings: readonly Binding[]): unknown[];
  run(...bindings: readonly Binding[]): unknown;
}

/** One statement as the database ran it. */
interface Sent {
  readonly sql: string;
  readonly bindings: readonly Binding[];
}

type Mode = 'as sent' | 'autocommits grouped' | 'one commit per G';

const BEGIN = /^\s*begin\b/i;
const END = /^\s*(?:commit|rollback(?!\s+to\b))\b/i;
const COMMIT = /^\s*commit\b/i;
/** A store transaction inside a group commit (lib/store/sqlite-group-commit.ts): a savepoint, run as it came unless every statement is regrouped. */
const SAVEPOINT = /^\s*(?:savepoint|release|rollback\s+to)\b/i;

async function capture(calls: number, concurrency: number, snapshot: string): Promise<Sent[]> {
  const sim = await startSimChild();
  try {
    const { aNumbers, bNumbers } = await callbackParties(sim, calls, 300);
    const controller = await startController({ simPort: sim.port, database: 'sqlite', queue: { driver: 'memory' }, accounts: concurrency });
    try {
      await controller.db.raw('VACUUM INTO ?', [snapshot]);
      const sent: Sent[] = [];
      controller.db.on('query', (data: { sql: string; bindings?: readonly Binding[] }) => void sent.push({ sql: data.sql, bindings: data.bindings ?? [] }));
      const endOf = requestEnds(controller.engine);
      let next = 0;
      const lane = async (index: number): Promise<void> => {
        for (let i = next++; i < calls; i = next++) {
          const { request } = await controller.engine.order({ accountId: controller.accountIds[index]!, source: aNumbers[i]!, destination: bNumbers[i]!, mode: 'simultaneous' });
          await endOf(request.id);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, (_, index) => lane(index)));
      return sent;
    } finally {
      await controller.stop();
    }
  } finally {
    await sim.stop();
  }
}

/** Replays `sent` on a fresh copy of `snapshot`; answers this process's CPU µs and the commits it made. */
async function replay(sent: readonly Sent[], snapshot: string, directory: string, mode: Mode, group: number): Promise<{ cpuUs: number; commits: number }> {
  const file = join(directory, 'replay.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  copyFileSync(snapshot, file);
  // The service's connection: its pragmas and its statement cache (lib/store/database.ts).
  const db = openDatabase({ client: 'sqlite', filename: file });
  const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<void> };
  const connection = (await client.acquireConnection()) as Connection;
  try {
    // Prepared before the clock starts, as the service's statement cache has them.
    for (const { sql } of sent) if (!BEGIN.test(sql) && !END.test(sql)) connection.prepare(sql);
    let commits = 0;
    let inTransaction = false;
    let grouped = 0;
    const commitGroup = (): void => {
      if (grouped === 0) return;
      connection.exec('COMMIT');
      commits += 1;
      grouped = 0;
    };
    const before = process.cpuUsage();
    for (const { sql, bindings } of sent) {
      const boundary = BEGIN.test(sql) || END.test(sql);
      if ((boundary || SAVEPOINT.test(sql)) && mode === 'one commit per G') continue;
      if (boundary) {
        commitGroup();
        connection.exec(sql);
        inTransaction = BEGIN.test(sql);
        if (COMMIT.test(sql)) commits += 1;
        continue;
      }
      const grouping = !inTransaction && mode !== 'as sent';
      if (grouping && grouped === 0) connection.exec('BEGIN');
      if (grouping) grouped += 1;
      const statement = connection.prepare(sql);
      try {
        if (statement.reader) statement.all(...bindings);
        else statement.run(...bindings);
      } catch {
        // A statement the service expected to fail (a duplicate key it catches): it fails here too.
      }
      if (!inTransaction && mode === 'as sent' && !statement.reader) commits += 1;
      if (grouped >= group) commitGroup();
    }
    commitGroup();
    const cpu = process.cpuUsage(before);
    return { cpuUs: cpu.user + cpu.system, commits };
  } finally {
    await client.releaseConnection(connection);
    await db.destroy();
  }
}

async function main(): Promise<void> {
  const calls = Number(option('--calls=') ?? 400);
  const concurrency = Number(option('--concurrency=') ?? 20);
  const group = Number(option('--group=') ?? 40);
  const rounds = Number(option('--rounds=') ?? 3);
  const directory = mkdtempSync(join(tmpdir(), 'sqlite-replay-'));
  try {
    const snapshot = join(directory, 'snapshot.db');
    const sent = await capture(calls, concurrency, snapshot);
    console.log(`${sent.length} statements for ${calls} callbacks (${round(sent.length / calls, 1)} per callback), ${concurrency} at a time; replayed on the driver connection alone:`);
    const modes: Mode[] = ['as sent', 'autocommits grouped', 'one commit per G'];
    const best = new Map<Mode, { cpuUs: number; commits: number }>();
    for (let r = 0; r < rounds; r += 1) {
      for (const mode of modes) {
        const run = await replay(sent, snapshot, directory, mode, group);
        const known = best.get(mode);
        if (!known || run.cpuUs < known.cpuUs) best.set(mode, run);
      }
    }
    console.table(
      Object.fromEntries(modes.map((mode) => [mode === 'one commit per G' ? `one commit per ${group}` : mode, { 'CPU µs/callback': round(best.get(mode)!.cpuUs / calls, 0), 'commits/callback': round(best.get(mode)!.commits / calls, 2) }])),
    );
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

runScript(main);
