/**
 * The store's hot calls in a loop, without the engine or the switch: per iteration a callback's
 * request (insert, read, moves, one inside a transaction), two legs (insert, marks) and their
 * CDRs, the account read. Prints CPU µs and statements per iteration, so that two builds of the
 * store can be compared back to back on a busy machine (issue #20): CPU, not wall time, and the
 * better of `--rounds=R` rounds, since other processes only ever add to it.
 * `--cpu-prof=FILE` writes a CPU profile of the rounds only (not of opening and migrating).
 * `npx tsx bench/store-loop.ts [--mariadb] [--iterations=N] [--rounds=R] [--cpu-prof=FILE]`
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
import { round } from './stats';

async function main(): Promise<void> {
  const iterations = Number(option('--iterations=') ?? 500);
  const rounds = Number(option('--rounds=') ?? 3);
  const mysqlUrl = process.argv.includes('--mariadb') ? process.env.TEST_MYSQL_URL : undefined;
  if (process.argv.includes('--mariadb') && mysqlUrl === undefined) throw new Error('--mariadb needs TEST_MYSQL_URL');
  const { db, close } = mysqlUrl === undefined ? await openSqlite() : await openMariadb(mysqlUrl);
  try {
    await migrateToLatest(db);
    const store = createStore(db);
    const account = await store.accounts.create({ name: `loop-${process.pid}`, currency: 'USD' });
    const sql = new SqlCounter(db);
    let best = Infinity;
    await callback(store, db, account.id, 0); // the shapes learnt and the statements prepared
    const profileFile = option('--cpu-prof=');
    const profiler = profileFile === undefined ? undefined : await startCpuProfile(profileFile);
    for (let r = 0; r < rounds; r += 1) {
      sql.reset();
      const before = process.cpuUsage();
      for (let i = 0; i < iterations; i += 1) await callback(store, db, account.id, r * iterations + i + 1);
      const cpu = process.cpuUsage(before);
      best = Math.min(best, (cpu.user + cpu.system) / iterations);
    }
    await profiler?.stop();
    console.log(
      `${mysqlUrl === undefined ? 'SQLite' : 'MariaDB'}: ${round(best, 1)} CPU µs per iteration (best of ${rounds} × ${iterations}), ${round(sql.count / iterations, 1)} statements per iteration`,
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

async function openMariadb(serverUrl: string): Promise<{ db: Knex; close(): Promise<void> }> {
  const database = `callback_loop_${randomBytes(6).toString('hex')}`;
  const url = new URL(serverUrl);
  const admin = openDatabase({ client: 'mysql', url: url.toString(), pool: { min: 0, max: 1 } });
  await admin.raw('CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', [database]);
  url.pathname = `/${database}`;
  const db = openDatabase({ client: 'mysql', url: url.toString(), pool: { min: 0, max: 10 } });
  return {
    db,
    async close() {
      await db.destroy();
      await admin.raw('DROP DATABASE IF EXISTS ??', [database]);
      await admin.destroy();
    },
  };
}

function option(prefix: string): string | undefined {
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
