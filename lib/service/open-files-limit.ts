import { readFileSync } from 'node:fs';

/** The process's open-files limit as the kernel states it; `unlimited` when it has none. */
export type OpenFilesLimit = number | 'unlimited';

/**
 * Sockets besides the calls' own: the database pool, Redis, the inbound ESL connections, HTTP
 * clients, log files, the listeners.
 */
export const OPEN_FILES_MARGIN = 1024;

/**
 * The soft "Max open files" of a /proc/<pid>/limits text (Node raises the soft limit to the hard
 * one when it starts, so this is what the process really has). Undefined when the text has no
 * such line or it cannot be read as a limit.
 */
export function parseOpenFilesLimit(limitsText: string): OpenFilesLimit | undefined {
  const line = limitsText.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === 'unlimited') return 'unlimited';
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : undefined;
}

/**
 * Each call on a node holds one outbound socket here. Past the limit `accept()` fails with EMFILE
 * and Node drops the connection without a word: the leg is given up after its socket wait and
 * dialed again, which looks like a FreeSWITCH fault. Said once, loudly, at start instead.
 */
export function openFilesWarning(limit: OpenFilesLimit | undefined, channels: number): string | undefined {
  if (limit === undefined || limit === 'unlimited') return undefined;
  const needed = channels + OPEN_FILES_MARGIN;
  if (limit >= needed) return undefined;
  return (
    `the open-files limit (${limit}) is below what the FreeSWITCH nodes' maxChannels (${channels}) need (${needed} with ${OPEN_FILES_MARGIN} for everything else): ` +
    `calls past it lose their outbound socket; raise LimitNOFILE (systemd) or ulimit -n`
  );
}

/** The running process's limit on Linux; undefined elsewhere. */
export function currentOpenFilesLimit(): OpenFilesLimit | undefined {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}
