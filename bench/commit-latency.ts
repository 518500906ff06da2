/**
 * What one durable commit costs on this machine, without the controller: an autocommit INSERT
 * into a table of its own on TEST_MYSQL_URL's server, a primary-key SELECT after it, and an
 * fdatasync of a small append to a file in the working directory's file system (MariaDB's redo
 * log sits on the same virtual disk here), one of each every `--gap=MS` (default 50: one order's
 * writes at 20/s), `--count=N` times (default 400). An order's path to its first originate has
 * three commits in series (`lib/callback/engine/README.md`, "Order → first originate"), so the
 * tail of this distribution is a floor under order → originate's p99 that no controller change
 * moves. A debugging aid, not a benchmark: `npx tsx bench/commit-latency.ts [--gap=MS] [--count=N]`.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { option, runScript } from './script';
import { distribution, sleep } from './stats';

async function main(): Promise<void> {
  const url = process.env.TEST_MYSQL_URL;
  if (!url) throw new Error('needs TEST_MYSQL_URL (a server the test user may create a database on)');
  const gapMs = Number(option('--gap=') ?? 50);
  const count = Number(option('--count=') ?? 400);
  const database = `commit_latency_${process.pid}`;
  const connection = await createConnection(url);
  const directory = mkdtempSync(join(process.cwd(), '.commit-latency-'));
  const file = openSync(join(directory, 'append'), 'w');
  const page = Buffer.alloc(512, 1);
  const commits: number[] = [];
  const selects: number[] = [];
  const syncs: number[] = [];
  try {
    await connection.query(`create database ${database}`);
    await connection.query(`use ${database}`);
    await connection.query('create table t (id int auto_increment primary key, v varchar(64)) engine=innodb');
    for (let i = 1; i <= count; i += 1) {
      let started = performance.now();
      await connection.query('insert into t (v) values (?)', [`row ${i}`]);
      commits.push(performance.now() - started);
      started = performance.now();
      await connection.query('select v from t where id = ?', [i]);
      selects.push(performance.now() - started);
      started = performance.now();
      writeSync(file, page);
      fdatasyncSync(file);
      syncs.push(performance.now() - started);
      await sleep(gapMs);
    }
  } finally {
    closeSync(file);
    rmSync(directory, { recursive: true, force: true });
    await connection.query(`drop database if exists ${database}`);
    await connection.end();
  }
  console.log(`one every ${gapMs} ms, ${count} times (ms):`);
  console.table({ 'autocommit INSERT': distribution(commits), 'SELECT by primary key': distribution(selects), 'fdatasync of a 512-byte append': distribution(syncs) });
}

runScript(main);
