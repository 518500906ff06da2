import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { CliIo } from '../../lib/cli/io';
import { runCli } from '../../lib/cli/run';
import { migrateToLatest, openDatabase } from '../../lib/store';
import { describeWith, testMariadb } from '../support/external-services';

export type Engine = 'sqlite' | 'mariadb';

/** A migrated database the CLI can open by URL, and a Knex on it for the test's own checks. */
export interface CliTarget {
  engine: Engine;
  databaseUrl: string;
  db: Knex;
  /** A scratch directory for CSV files. */
  dir: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const REPO = path.resolve(__dirname, '..', '..');

/**
 * Registers `body` once per engine like describeEachDatabase, but hands over a database URL
 * (the CLI opens its database from settings, as the service does) rather than only a Knex.
 */
export function describeEachCliDatabase(name: string, body: (target: () => CliTarget) => void): void {
  describe(`${name} [sqlite]`, () =>
    withTarget(body, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-cli-'));
    const filename = path.join(dir, 'callback.sqlite');
    const db = openDatabase({ client: 'sqlite', filename });
    await migrateToLatest(db);
    return { target: { engine: 'sqlite', databaseUrl: `sqlite:${filename}`, db, dir }, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
    }),
  );
  describeWith(testMariadb(), `${name} [mariadb]`, (serverUrl) =>
    withTarget(body, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-cli-'));
      const database = `callback_cli_${randomBytes(6).toString('hex')}`;
      const admin = openDatabase({ client: 'mysql', url: withDatabase(serverUrl, ''), pool: { min: 0, max: 1 } });
      await admin.raw('CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', [database]);
      const databaseUrl = withDatabase(serverUrl, database);
      const db = openDatabase({ client: 'mysql', url: databaseUrl, pool: { min: 0, max: 4 } });
      await migrateToLatest(db);
      return {
        target: { engine: 'mariadb', databaseUrl, db, dir },
        drop: async () => {
          await admin.raw('DROP DATABASE IF EXISTS ??', [database]);
          await admin.destroy();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    }),
  );
}

/** Opens the target before the block's tests and drops it after them. */
function withTarget(body: (target: () => CliTarget) => void, open: () => Promise<{ target: CliTarget; drop: () => Promise<void> }>): void {
  let opened: { target: CliTarget; drop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(async () => {
    await opened?.target.db.destroy();
    await opened?.drop();
  });
  body(() => {
    if (!opened) throw new Error('the CLI test database is not open: did its beforeAll fail?');
    return opened.target;
  });
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  now?: number;
  /** A clock of the test's own: `now` and the waits between polls (`test-call --wait`). */
  clock?: { now(): number; sleep(ms: number): Promise<void> };
}

/** Runs the CLI in-process (fast: most tests), with the target's database and captured output. */
export async function cli(target: CliTarget, argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { DATABASE_URL: target.databaseUrl, USER: 'tester', ...options.env },
    cwd: target.dir,
    now: () => options.clock?.now() ?? options.now ?? Date.now(),
    sleep: (ms) => options.clock?.sleep(ms) ?? new Promise((resolve) => setTimeout(resolve, ms)),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** The parsed --json output of a run that must succeed. */
export async function cliJson<T>(target: CliTarget, argv: readonly string[], options: RunOptions = {}): Promise<T> {
  const result = await cli(target, ['--json', ...argv], options);
  if (result.code !== 0) throw new Error(`callback ${argv.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/**
 * Runs the real program as a child process (`node --import tsx lib/cli/main.ts`, the same entry
 * the bin's compiled dist/lib/cli/main.js is built from), with only the variables given.
 */
export function spawnCli(target: CliTarget, argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', ...argv], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, USER: 'tester', DATABASE_URL: target.databaseUrl, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
