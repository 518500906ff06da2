import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** The p-th percentile (0–100) of `values`, nearest rank; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  return { count: values.length, p50: round(percentile(values, 50)), p99: round(percentile(values, 99)), max: round(values.length ? Math.max(...values) : 0) };
}

/** Event-loop delay over a window, in ms (10 ms resolution sampling is too coarse: 5 ms). */
export class LoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 5 });

  start(): void {
    this.histogram.reset();
    this.histogram.enable();
  }

  stop(): { p50: number; p99: number; max: number } {
    this.histogram.disable();
    const ms = (ns: number): number => round(ns / 1e6);
    return { p50: ms(this.histogram.percentile(50)), p99: ms(this.histogram.percentile(99)), max: ms(this.histogram.max) };
  }
}

/** CPU (user + system) this process used since `start`, in ms. */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(condition: () => boolean, what: string, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`${what}: not reached within ${limitMs} ms`);
    await sleep(10);
  }
}

/** `promise`, or an error naming `what` if it has not settled within `limitMs`. */
export function withTimeout<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not reached within ${limitMs} ms`)), limitMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);
