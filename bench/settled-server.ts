import type { Knex } from 'knex';
import { openServerAdmin } from './controller';
import { localServiceCpu, type ServiceCpu } from './service-cpu';
import { round, sleep } from './stats';

/**
 * A MariaDB server's background work after a scenario: the undo history its purge threads have yet
 * to clean (every UPDATE and DELETE leaves some), the pages its page cleaner writes out of the buffer
 * pool, and its CPU. A scenario that starts while the previous one's is still being done shares the
 * cores and the disk with it, and its figure is partly the previous scenario's (issue #20: the
 * 10,000-call run after the MariaDB ramp). Dirty pages as such are not work: with
 * `innodb_max_dirty_pages_pct_lwm = 0` (the default) a quiet server keeps them until its redo log or
 * buffer pool needs the room, so they are reported, and the flushing itself is what is waited out.
 */
export interface ServerWork {
  readonly historyLength: number;
  readonly dirtyPages: number;
  /** Pages the server wrote out of its buffer pool per second over the last interval. */
  readonly flushedPerSecond: number | undefined;
  /** The server's CPU over the last interval, % of one core; undefined on a server of another host. */
  readonly cpuPercent: number | undefined;
}

/** What counts as settled: each figure at or below its limit. */
export interface SettledLimits {
  readonly historyLength: number;
  readonly flushedPerSecond: number;
  readonly cpuPercent: number;
}

/** Purge leaves a little history on an idle server; a tenth of the default innodb_io_capacity (200 pages/s) is no flushing to speak of. */
export const SETTLED: SettledLimits = { historyLength: 100, flushedPerSecond: 20, cpuPercent: 5 };

export function isSettled(work: ServerWork, limits: SettledLimits = SETTLED): boolean {
  const under = (value: number | undefined, limit: number): boolean => value === undefined || value <= limit;
  return work.historyLength <= limits.historyLength && under(work.flushedPerSecond, limits.flushedPerSecond) && under(work.cpuPercent, limits.cpuPercent);
}

/** How long a scenario waited for the server, and what the server was doing when it started. */
export interface SettleResult {
  readonly waitedS: number;
  readonly settled: boolean;
  readonly work: ServerWork;
}

/** The server's own figures: its history length and dirty pages now, the pages it has flushed since it started. */
export type ReadWork = () => Promise<{ historyLength: number; dirtyPages: number; pagesFlushed: number }>;

export interface SettleOptions {
  readonly read: ReadWork;
  readonly cpu: Pick<ServiceCpu, 'ms'> | undefined;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly limits?: SettledLimits;
}

/**
 * Waits until the server has done the background work the previous scenario left (`isSettled` on
 * two intervals in a row, so that a pause between two of its bursts does not count), or until
 * `timeoutMs`: a server other clients keep busy never settles, and the scenario then starts
 * anyway, the result saying so.
 */
export async function waitUntilSettled(options: SettleOptions): Promise<SettleResult> {
  const started = performance.now();
  let calm = 0;
  let before = { at: performance.now(), cpuMs: options.cpu?.ms(), ...(await options.read()) };
  for (;;) {
    await sleep(options.intervalMs);
    const now = { at: performance.now(), cpuMs: options.cpu?.ms(), ...(await options.read()) };
    const seconds = Math.max(0.001, (now.at - before.at) / 1000);
    const work: ServerWork = {
      historyLength: now.historyLength,
      dirtyPages: now.dirtyPages,
      flushedPerSecond: round((now.pagesFlushed - before.pagesFlushed) / seconds, 1),
      cpuPercent: now.cpuMs === undefined || before.cpuMs === undefined ? undefined : round((now.cpuMs - before.cpuMs) / seconds / 10, 1),
    };
    before = now;
    calm = isSettled(work, options.limits) ? calm + 1 : 0;
    const waited = performance.now() - started;
    if (calm >= 2 || waited >= options.timeoutMs) return { waitedS: round(waited / 1000, 1), settled: calm >= 2, work };
  }
}

/** MariaDB's figures (status variables, any user may read them). */
function statusOf(admin: Knex): ReadWork {
  return async () => {
    const names = ['Innodb_history_list_length', 'Innodb_buffer_pool_pages_dirty', 'Innodb_buffer_pool_pages_flushed'];
    const [rows] = (await admin.raw('SHOW GLOBAL STATUS WHERE Variable_name IN (?, ?, ?)', names)) as [{ Variable_name: string; Value: string }[]];
    const value = (name: string): number => Number(rows.find((row) => row.Variable_name === name)?.Value ?? 0);
    return { historyLength: value(names[0]!), dirtyPages: value(names[1]!), pagesFlushed: value(names[2]!) };
  };
}

/** How long a scenario waits at most for the server to settle. */
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Before a measured run: waits for the MariaDB server of `serverUrl` to settle (waitUntilSettled),
 * on a connection of its own, its CPU read when the server is on this machine.
 */
export async function settleServer(serverUrl: string): Promise<SettleResult> {
  const admin = openServerAdmin(serverUrl);
  try {
    return await waitUntilSettled({ read: statusOf(admin), cpu: localServiceCpu(serverUrl), timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 500 });
  } finally {
    await admin.destroy();
  }
}
