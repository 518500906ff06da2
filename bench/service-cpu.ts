import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The CPU a local service (MariaDB, Redis) spends, read from Linux's /proc, so a benchmark can put
 * the whole machine's cost of a callback beside the controller's: on a 2-core machine the
 * controller, the simulator, MariaDB and Redis share the cores, and a rate is bounded by their sum
 * (issue #20). The service is found by the TCP port it listens on (the one in the test URL); a
 * remote service, another OS, or /proc not readable gives `undefined`, and the figure is left out.
 * It is the whole service's CPU, whoever asked for it: meaningful on a quiet machine only (as every
 * `npm run bench` figure), not while test suites use the same MariaDB.
 */
export interface ServiceCpu {
  readonly pid: number;
  /** CPU (user + system, all threads) the service has used since it started, in ms. */
  ms(): number;
}

/**
 * The clock ticks /proc/<pid>/stat counts in (USER_HZ), asked of the system rather than assumed:
 * 100 on the usual builds, but a figure off by a factor would read as a plausible CPU cost.
 */
function ticksPerSecond(): number | undefined {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : undefined;
  } catch {
    return undefined;
  }
}

export function localServiceCpu(url: string | undefined): ServiceCpu | undefined {
  if (!url) return undefined;
  let port: number;
  let host: string;
  try {
    const parsed = new URL(url);
    host = parsed.hostname;
    port = Number(parsed.port || defaultPort(parsed.protocol));
  } catch {
    return undefined;
  }
  if (!isThisMachine(host) || !Number.isInteger(port) || port <= 0) return undefined;
  const pid = listenerPid(port);
  const ticks = ticksPerSecond();
  if (pid === undefined || ticks === undefined) return undefined;
  const ms = (): number => cpuTicks(pid) * (1000 / ticks);
  try {
    ms();
  } catch {
    return undefined;
  }
  return { pid, ms };
}

/** Whether a URL's host name is this machine's loopback. */
export function isThisMachine(hostname: string): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname);
}

function defaultPort(protocol: string): number {
  if (protocol === 'mysql:' || protocol === 'mariadb:') return 3306;
  if (protocol === 'redis:') return 6379;
  return 0;
}

/** The process holding the socket that listens on `port` (any local address), if this user may see it. */
function listenerPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; the inode is the tenth field.
      const local = fields[1];
      if (!local || fields[3] !== '0A') continue;
      if (Number.parseInt(local.slice(local.indexOf(':') + 1), 16) === port && fields[9]) inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of safeList('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    for (const fd of safeList(`/proc/${entry}/fd`)) {
      try {
        if (inodes.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // A descriptor closed while we looked.
      }
    }
  }
  return undefined;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12th and 13th after the name.
  return Number(fields[11]) + Number(fields[12]);
}
