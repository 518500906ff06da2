import { readFileSync } from 'node:fs';

/**
 * The machine's CPU time as Linux counts it (/proc/stat's first line, all cores), read so that a
 * benchmark figure carries how much of the VM's time the hypervisor gave to other guests while it
 * ran ("steal"). Issue #20: the same code measured 34.5–39.4 s for 10,000 calls on its own and
 * 49.5 s in a full run, where the simulator, unchanged, also used 40 % more CPU; steal beside each
 * figure tells a slow VM from a slow controller. Both counters are in the same clock ticks, so the
 * share needs no tick rate.
 */
export interface MachineTicks {
  readonly steal: number;
  readonly total: number;
}

/** Now's counters, or undefined where /proc/stat is not Linux's (another OS, a sandbox). */
export function machineTicks(): MachineTicks | undefined {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The `cpu` line: user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is
 * already counted in user and nice, so it is left out of the total.
 */
export function parseProcStat(text: string): MachineTicks | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith('cpu '));
  const fields = line?.trim().split(/\s+/).slice(1, 9).map(Number);
  if (!fields || fields.length < 8 || fields.some((field) => !Number.isFinite(field))) return undefined;
  return { steal: fields[7]!, total: fields.reduce((sum, field) => sum + field, 0) };
}

/** Steal as a percentage of all the machine's CPU time since `start` (one decimal); undefined when unknown. */
export function stealPercentSince(start: MachineTicks | undefined): number | undefined {
  const now = machineTicks();
  if (!start || !now || now.total <= start.total) return undefined;
  return Math.round(((now.steal - start.steal) / (now.total - start.total)) * 1000) / 10;
}
