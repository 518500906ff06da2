/**
 * An instance's id: host, process and a random part (a restarted process, even with the same
 * pid, as PID 1 in a container, is another instance).
 */
export function newInstanceId(host: string, pid: number, random: string): string {
  return `${host}-${pid}-${random}`;
}

const ID = /^(.*)-(\d+)-([^-]+)$/;

/**
 * True when `claimant` was an instance on the same host as `self` that is gone: its process no
 * longer runs, or its pid is ours now (a restart). Its requests need not wait for their lease to
 * run out; an instance on another host, or one whose id says nothing, is presumed alive until then.
 */
export function isGoneSibling(claimant: string, self: string, isRunning: (pid: number) => boolean): boolean {
  const them = ID.exec(claimant);
  const us = ID.exec(self);
  if (!them || !us || claimant === self || them[1] !== us[1]) return false;
  const pid = Number(them[2]);
  return pid === Number(us[2]) || !isRunning(pid);
}

/** Whether a process of this host runs with `pid` (signal 0 only asks). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
