import type { Knex } from 'knex';

/**
 * The MariaDB databases the benchmarks create (`openBenchDatabase`, bench/controller.ts) are named
 * after the process that made them and when: `callback_bench_<pid>_<ms since 1970, base 36>`. A run
 * that is killed never drops its own; the next run drops those whose maker is gone, by the name
 * alone, so that it never touches a database a bench running beside it (helpers run several at once
 * on one machine and one server) is using.
 */
const PREFIX = 'callback_bench_';
const NAME = /^callback_bench_(\d+)_([0-9a-z]+)$/;

/** A new bench database's name, for the process `pid` at `nowMs`. */
export function benchDatabaseName(pid: number, nowMs: number): string {
  return `${PREFIX}${pid}_${nowMs.toString(36)}`;
}

/** Who made a bench database and when; undefined for any other name. */
export function benchDatabaseMaker(name: string): { pid: number; createdMs: number } | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  return { pid: Number(match[1]), createdMs: Number.parseInt(match[2]!, 36) };
}

export interface StaleRule {
  readonly nowMs: number;
  /**
   * Whether a process of this number lives on the server's machine; undefined when that cannot be
   * told (a server on another host: its benches' processes are not ours to see).
   */
  readonly alive: ((pid: number) => boolean) | undefined;
  /** With no way to see the maker: databases older than this are taken for a killed run's. */
  readonly maxAgeMs: number;
}

/**
 * The bench databases among `names` that no running bench uses: on a server of this machine, those
 * whose maker process is gone (a pid in use again keeps its old database until that process ends:
 * kept too long, never dropped too early); on another host's, those older than `maxAgeMs` (no bench
 * scenario keeps its database for an hour).
 */
export function staleBenchDatabases(names: readonly string[], rule: StaleRule): string[] {
  return names.filter((name) => {
    const maker = benchDatabaseMaker(name);
    if (!maker) return false;
    return rule.alive ? !rule.alive(maker.pid) : rule.nowMs - maker.createdMs > rule.maxAgeMs;
  });
}

/** Drops the stale bench databases on `admin`'s server (see staleBenchDatabases); answers their names. */
export async function dropStaleBenchDatabases(admin: Knex, rule: StaleRule): Promise<string[]> {
  const [rows] = (await admin.raw('SHOW DATABASES LIKE ?', [`${PREFIX.replace(/_/g, '\\_')}%`])) as [Record<string, string>[]];
  const names = rows.map((row) => Object.values(row)[0] ?? '');
  const stale = staleBenchDatabases(names, rule);
  for (const name of stale) await admin.raw('DROP DATABASE IF EXISTS ??', [name]);
  return stale;
}
