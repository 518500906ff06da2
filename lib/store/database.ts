import fs from 'node:fs';
import path from 'node:path';
import { knex, type Knex } from 'knex';
import { DEFAULT_POOL_MAX } from '../config/database-schema';
import type { DatabaseSettings } from './database-settings';
import { migrationSource, type NamedMigration } from './migrations';
import { cachePreparedStatements } from './statement-cache';

export type { DatabaseSettings } from './database-settings';
export { isMysql } from './schema';

/** The part of a better-sqlite3 connection that the pool hook needs. */
interface SqliteConnection {
  pragma(source: string): unknown;
  prepare(sql: string): unknown;
}

type SqliteSettings = Extract<DatabaseSettings, { client: 'sqlite' }>;

/**
 * WAL pages after which a commit checkpoints (SQLite's default: 1,000). The checkpoint runs inside
 * that commit, on the event loop, and waits for two syncs; a callback writes about 80 pages, so
 * the default blocked the loop every dozen callbacks, and those waits were about 60% of the
 * SQLite time of a 5,000-call run (issue #20, lib/store/README.md). With `synchronous = normal`
 * the commits since the last checkpoint are what a power loss may take: ~40 MB here.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** The settings, or a bare SQLite file (tests, benchmarks) opened with the settings' defaults. */
export type OpenableDatabase = Exclude<DatabaseSettings, SqliteSettings> | (Omit<SqliteSettings, 'synchronous'> & Partial<Pick<SqliteSettings, 'synchronous'>>);

/** Opens a pool. Nothing is queried yet; the first query reports a wrong URL or a missing file. */
export function openDatabase(settings: OpenableDatabase): Knex {
  return settings.client === 'sqlite' ? openSqlite(settings.filename, settings.synchronous ?? 'normal') : openMysql(settings.url, settings.pool);
}

function openSqlite(filename: string, synchronous: SqliteSettings['synchronous']): Knex {
  if (filename !== ':memory:' && !filename.startsWith('file:')) {
    fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
  }
  return knex({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      // knex keeps exactly one SQLite connection, so these hold for every query.
      afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: SqliteConnection) => void) {
        try {
          // WAL lets the CLI read while the service writes; busy_timeout makes a second process
          // wait for the write lock instead of failing at once.
          connection.pragma('journal_mode = WAL');
          connection.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
          connection.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
          connection.pragma('foreign_keys = ON');
          connection.pragma('busy_timeout = 5000');
          // A store transaction in a group commit is a savepoint (sqlite-group-commit.ts), whose
          // pages SQLite copies to a statement journal, spilled to a temporary file past 64 KiB
          // (a callback's settlement changes ~19 pages): kept in memory, 11–16 % less of SQLite's
          // CPU (issue #20, lib/store/README.md). Temporary tables and sorts past the page cache
          // stay in memory too; the service makes no large ones.
          connection.pragma('temp_store = MEMORY');
          cachePreparedStatements(connection);
          done(null, connection);
        } catch (error) {
          done(error instanceof Error ? error : new Error(String(error)), connection);
        }
      },
    },
  });
}

function openMysql(url: string, pool: { min: number; max: number } | undefined): Knex {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return knex({
    client: 'mysql2',
    connection: {
      host: parsed.hostname,
      port: parsed.port === '' ? 3306 : Number(parsed.port),
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      ...(database === '' ? {} : { database }),
      charset: 'utf8mb4',
      // BIGINT money and epoch-ms columns come back as numbers while they are exact, and as
      // strings past 2^53 so that rows.ts refuses them instead of silently rounding.
      supportBigNumbers: true,
      bigNumberStrings: false,
      // A transaction's BEGIN and COMMIT ride in one packet with its first and last statements
      // (driver-transaction.ts, issue #20). Safe only because no SQL is ever built from input:
      // every value is a binding, which mysql2 escapes into a literal no value can break out of.
      multipleStatements: true,
    },
    pool: pool ?? { min: 0, max: DEFAULT_POOL_MAX },
  });
}

/** Applies every pending migration; returns the names applied now. */
export async function migrateToLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** Undoes every applied migration (tests, and an operator starting over). */
export async function rollbackAll(db: Knex): Promise<string[]> {
  const [, undone] = (await db.migrate.rollback({ migrationSource }, true)) as [number, string[]];
  return undone;
}

export async function pendingMigrations(db: Knex): Promise<string[]> {
  const [, pending] = (await db.migrate.list({ migrationSource })) as [unknown[], NamedMigration[]];
  return pending.map((entry) => migrationSource.getMigrationName(entry));
}
