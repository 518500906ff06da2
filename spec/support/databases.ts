import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { migrateToLatest, openDatabase } from '../../lib/store/database';
import { describeWith, testMariadb } from './external-services';

export type Engine = 'sqlite' | 'mariadb';

export interface EachDatabaseOptions {
  /** Run the migrations before the tests (default true); false hands over an empty database. */
  migrate?: boolean;
}

/**
 * Registers `body` once per database engine: always against SQLite (a WAL file in a temporary
 * directory), and against MariaDB when TEST_MYSQL_URL (`mysql://user:pass@host:port/`) is set, in a
 * database of its own (callback_t_<random>) created before and dropped after the block. Without
 * it the MariaDB block is a skipped test saying so; under CI it fails (spec/support/external-services.ts).
 *
 *   describeEachDatabase('accounts', (getDb, engine) => {
 *     it('creates', async () => { const store = createStore(getDb()); ... });
 *   });
 */
export function describeEachDatabase(
  name: string,
  body: (getDb: () => Knex, engine: Engine) => void,
  options: EachDatabaseOptions = {},
): void {
  describeSqlite(name, body, options);
  describeWith(testMariadb(), `${name} [mariadb]`, (url) => describeMariadbBlock(url, body, options));
}

function describeSqlite(name: string, body: (getDb: () => Knex, engine: Engine) => void, options: EachDatabaseOptions): void {
  describe(`${name} [sqlite]`, () => {
    let directory: string | undefined;
    let db: Knex | undefined;
    beforeAll(async () => {
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-store-'));
      // A nested path, so that every run also checks that openDatabase creates the directory.
      db = openDatabase({ client: 'sqlite', filename: path.join(directory, 'data', 'test.db') });
      if (options.migrate !== false) await migrateToLatest(db);
    });
    afterAll(async () => {
      await db?.destroy();
      if (directory) fs.rmSync(directory, { recursive: true, force: true });
    });
    body(() => required(db), 'sqlite');
  });
}

function describeMariadbBlock(serverUrl: string, body: (getDb: () => Knex, engine: Engine) => void, options: EachDatabaseOptions): void {
  const database = `callback_t_${randomBytes(6).toString('hex')}`;
  let admin: Knex | undefined;
  let db: Knex | undefined;
  beforeAll(async () => {
    admin = openDatabase({ client: 'mysql', url: withDatabase(serverUrl, ''), pool: { min: 0, max: 1 } });
    await admin.raw('CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', [database]);
    db = openDatabase({ client: 'mysql', url: withDatabase(serverUrl, database), pool: { min: 0, max: 10 } });
    if (options.migrate !== false) await migrateToLatest(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await admin?.raw('DROP DATABASE IF EXISTS ??', [database]);
    await admin?.destroy();
  });
  body(() => required(db), 'mariadb');
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function required(db: Knex | undefined): Knex {
  if (!db) throw new Error('the test database is not open: did its beforeAll fail?');
  return db;
}
