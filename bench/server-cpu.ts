import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Another process's CPU, read from Linux's /proc: what the database server spends for the work
 * measured (issue #20: on this machine MariaDB's CPU per callback is set by its round trips).
 * The server serves every client, so what others send meanwhile counts too.
 */
export interface ProcessCpu {
  readonly pid: number;
  /** User plus system CPU so far, in milliseconds. */
  readonly cpuMs: () => number;
}

/** The first process whose command name is one of `names` (`mariadbd`, `mysqld`), or undefined (not Linux, not running). */
export function findProcessCpu(names: readonly string[]): ProcessCpu | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let name: string;
    try {
      name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (names.includes(name)) return processCpu(Number(entry));
  }
  return undefined;
}

/** Process `pid`'s CPU. */
export function processCpu(pid: number): ProcessCpu {
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return { pid, cpuMs: () => (cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1000) / ticksPerSecond };
}

/** utime + stime (fields 14 and 15) of a /proc/<pid>/stat text; the command name, in parentheses, may hold spaces. */
export function cpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields from the state on (field 3): utime is field 14, stime 15.
  return Number(fields[11]) + Number(fields[12]);
}
