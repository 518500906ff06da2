import { isSettled, SETTLED, waitUntilSettled, type ReadWork } from '../../bench/settled-server';

const quiet = { historyLength: 3, dirtyPages: 6_000, flushedPerSecond: 0, cpuPercent: 1 };

/** The server's figures, one per read (history length, pages flushed since it started), the last one repeated. */
function script(...samples: [history: number, flushed: number][]): { read: ReadWork; reads: () => number } {
  let reads = 0;
  return {
    read: () => {
      const [historyLength, pagesFlushed] = samples[Math.min(reads++, samples.length - 1)]!;
      return Promise.resolve({ historyLength, dirtyPages: 6_000, pagesFlushed });
    },
    reads: () => reads,
  };
}

describe("waiting for MariaDB's background work before a scenario", () => {
  it('is settled with little undo history, no flushing and a quiet CPU, however many pages are dirty; what cannot be read is left out', () => {
    expect(isSettled(quiet)).toBe(true);
    expect(isSettled({ ...quiet, cpuPercent: undefined, flushedPerSecond: undefined })).toBe(true);
    expect(isSettled({ ...quiet, historyLength: SETTLED.historyLength + 1 })).toBe(false);
    expect(isSettled({ ...quiet, flushedPerSecond: SETTLED.flushedPerSecond + 1 })).toBe(false);
    expect(isSettled({ ...quiet, cpuPercent: SETTLED.cpuPercent + 1 })).toBe(false);
  });

  it('waits for two calm intervals in a row: a pause between two bursts of purge does not count', async () => {
    // Purging (history 40,000), done, purging again, then done for good.
    const server = script([40_000, 0], [5, 0], [30_000, 0], [4, 0], [4, 0], [50_000, 0]);
    const result = await waitUntilSettled({ read: server.read, cpu: undefined, timeoutMs: 60_000, intervalMs: 1 });
    expect(result.settled).toBe(true);
    expect(result.work).toMatchObject({ historyLength: 4, flushedPerSecond: 0, cpuPercent: undefined });
    expect(server.reads()).toBe(5);
  });

  it('does not take a server that is flushing for a settled one', async () => {
    // The page cleaner writes a million pages between two reads a millisecond apart.
    const server = script([0, 0], [0, 1_000_000], [0, 2_000_000]);
    const result = await waitUntilSettled({ read: server.read, cpu: undefined, timeoutMs: 0, intervalMs: 1 });
    expect(result.settled).toBe(false);
    expect(result.work.flushedPerSecond).toBeGreaterThan(SETTLED.flushedPerSecond);
  });

  it('gives up at its timeout on a server others keep busy, and says so', async () => {
    const server = script([40_000, 0]);
    const result = await waitUntilSettled({ read: server.read, cpu: undefined, timeoutMs: 0, intervalMs: 1 });
    expect(result.settled).toBe(false);
    expect(result.work.historyLength).toBe(40_000);
  });
});
