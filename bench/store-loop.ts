/**
 * The store's hot calls in a loop, without the engine or the switch: per iteration a callback's
 * request (insert, read, moves, one inside a transaction), two legs (insert, marks) and their
 * CDRs, the account read. Prints CPU µs and statements per iteration, so that two builds of the
 * store can be compared back to back on a busy machine (issue #20): CPU, not wall time, and the
 * better of `--rounds=R` rounds, since other processes only ever add to it.
 * `--cpu-prof=FILE` writes a CPU profile of the rounds only (not of opening and migrating).
 * `--concurrency=C` runs C callbacks at once and `--pool=N` sizes MariaDB's pool (default 10, the
 * setting's default): it also prints the iterations per second and how long statements waited
 * for a connection, to see whether they queue behind the pool.
 * `npx tsx bench/store-loop.ts [--mariadb] [--iterations=N] [--rounds=R] [--concurrency=C] [--pool=N] [--cpu-prof=FILE]`
 * (`--mariadb` uses TEST_MYSQL_URL, in a database of its own dropped afterwards).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { minorUnits } from '../lib/domain/money';
import type { E164 } from '../lib/domain/phone-number';
import { createStore, inTransaction, migrateToLatest, openDatabase, type Store } from '../lib/store';
import { startCpuProfile } from './cpu-profile';
import { SqlCounter } from './sql-count';
import { percentile, round } from './stats';
import { option, runScript } from './script';

/** The part of knex's pool (tarn) that tells when a connection was asked for and given. */
interface PoolEvents {
  on(event: 'acquireRequest', handler: (eventId: number) => void): void;
  on(event: 'acquireSuccess', handler: (eventId: number) => void): void;
}

async function main(): Promise<void> {
  const iterations = Number(option('--iterations=') ?? 500);
  const rounds = Number(option('--rounds=') ?? 3);
  const concurrency = Number(option('--concurrency=') ?? 1);
  const mysqlUrl = process.argv.includes('--mariadb') ? process.env.TEST_MYSQL_URL : undefined;
  if (process.argv.includes('--mariadb') && mysqlUrl === undefined) throw new Error('--mariadb needs TEST_MYSQL_URL');
  const { db, close } = mysqlUrl === undefined ? await openSqlite() : await openMariadb(mysqlUrl, Number(option('--pool=') ?? 10));
  try {
    await migrateToLatest(db);
    const store = createStore(db);
    const account = await store.accounts.create({ name: `loop-${process.pid}`, currency: 'USD' });
    const sql = new SqlCounter(db);
    let best = Infinity;
    let fastest = 0;
    await callback(store, db, account.id, 0); // the shapes learnt, the statements prepared, the pool open
    const waits = acquireWaits(db);
    const profileFile = option('--cpu-prof=');
    const profiler = profileFile === undefined ? undefined : await startCpuProfile(profileFile);
    let next = 1;
    for (let r = 0; r < rounds; r += 1) {
      sql.reset();
      const before = process.cpuUsage();
      const started = performance.now();
      let left = iterations;
      const worker = async (): Promise<void> => {
        for (; left > 0; left -= 1) await callback(store, db, account.id, next++);
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const cpu = process.cpuUsage(before);
      best = Math.min(best, (cpu.user + cpu.system) / iterations);
      fastest = Math.max(fastest, iterations / ((performance.now() - started) / 1000));
    }
    await profiler?.stop();
    console.log(
      `${mysqlUrl === undefined ? 'SQLite' : 'MariaDB'}: ${round(best, 1)} CPU µs per iteration (best of ${rounds} × ${iterations}), ${round(sql.count / iterations, 1)} statements per iteration`,
    );
    const waited = waits();
    console.log(
      `${concurrency} at once: ${round(fastest, 0)} iterations/s at best; waits for a connection p50 ${round(percentile(waited, 50), 2)} ms, p99 ${round(percentile(waited, 99), 2)} ms, max ${round(Math.max(...waited), 2)} ms (${waited.length} acquires)`,
    );
    sql.stop();
  } finally {
    await close();
  }
}

async function callback(store: Store, db: Knex, accountId: number, n: number): Promise<void> {
  const number = (prefix: string): E164 => `+${prefix}${String(n).padStart(8, '0')}` as E164;
  const { request } = await store.callbackRequests.create({ accountId, trigger: 'api', source: number('4930'), destination: number('4940') });
  await store.accounts.findById(accountId);
  await store.callbackRequests.transition(request.id, 'queued', 'dialing_a', { incrementAttempts: true });
  const legs = [randomUUID(), randomUUID()] as const;
  for (const [index, uuid] of legs.entries()) {
    await store.legs.create({ uuid, requestId: request.id, role: index === 0 ? 'A' : 'B', node: 'loop', number: number('4950'), state: 'dialing' });
    await store.legs.update(uuid, { state: 'ringing' });
    await store.legs.update(uuid, { state: 'answered', answeredAt: 1_000 });
  }
  await inTransaction(db, (tx) => tx.callbackRequests.transition(request.id, 'dialing_a', 'bridged'));
  for (const uuid of legs) {
    await store.legs.update(uuid, { state: 'ended', endedAt: 61_000, hangupCause: 'NORMAL_CLEARING', billsec: 60, costMinor: minorUnits(12) });
    await store.cdrs.insert({ legUuid: uuid, requestId: request.id, accountId, direction: 'outbound', number: number('4950'), startedAt: 0, answeredAt: 1_000, endedAt: 61_000, billsec: 60, costMinor: minorUnits(12), source: 'socket' });
  }
  await store.callbackRequests.transition(request.id, 'bridged', 'completed');
  await store.callbackRequests.findById(request.id);
}

/** How long each acquire from now on waited for a connection, in ms. */
function acquireWaits(db: Knex): () => number[] {
  const pool = (db.client as { pool: PoolEvents }).pool;
  const asked = new Map<number, number>();
  const waits: number[] = [];
  pool.on('acquireRequest', (eventId) => asked.set(eventId, performance.now()));
  pool.on('acquireSuccess', (eventId) => {
    const at = asked.get(eventId);
    if (at === undefined) return;
    asked.delete(eventId);
    waits.push(performance.now() - at);
  });
  return () => waits;
}

async function openSqlite(): Promise<{ db: Knex; close(): Promise<void> }> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'store-loop-'));
  const db = openDatabase({ client: 'sqlite', filename: path.join(directory, 'loop.db') });
  return {
    db,
    async close() {
      await db.destroy();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function openMariadb(serverUrl: string, poolMax: number): Promise<{ db: Knex; close(): Promise<void> }> {
  const database = `callback_loop_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  const admin = openDatabase({ client: 'mysql', url: url.toString(), pool: { min: 0, max: 1 } });
  await admin.raw('CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', [database]);
  url.pathname = `/${database}`;
  const db = openDatabase({ client: 'mysql', url: url.toString(), pool: { min: 0, max: poolMax } });
  return {
    db,
    async close() {
      await db.destroy();
      await admin.raw('DROP DATABASE IF EXISTS ??', [database]);
      await admin.destroy();
    },
  };
}

runScript(main);
