import { benchDatabaseMaker, benchDatabaseName, staleBenchDatabases } from '../../bench/bench-databases';
import { processRuns } from '../../lib/callback/engine/instance-id';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 7, 22, 0, 0);

describe("the bench's MariaDB databases, and which of them killed runs left", () => {
  it('names a database after its maker process and the time, and reads both back', () => {
    const name = benchDatabaseName(4242, NOW);
    expect(name).toMatch(/^callback_bench_4242_[0-9a-z]+$/);
    expect(benchDatabaseMaker(name)).toEqual({ pid: 4242, createdMs: NOW });
    expect(benchDatabaseMaker('callback_t_215dcd9fa814')).toBeUndefined();
    expect(benchDatabaseMaker('callback_bench_x_1')).toBeUndefined();
  });

  it("on this machine's server: those whose maker is gone, however young; never a living maker's, however old", () => {
    const names = [benchDatabaseName(10, NOW - 1_000), benchDatabaseName(11, NOW - 30 * HOUR), benchDatabaseName(12, NOW - 1_000), 'callback_t_dc75f1e45fd0', 'mysql'];
    const alive = (pid: number): boolean => pid === 11;
    expect(staleBenchDatabases(names, { nowMs: NOW, alive, maxAgeMs: HOUR })).toEqual([names[0], names[2]]);
  });

  it("on another host's server, where its makers cannot be seen: those older than the age given", () => {
    const names = [benchDatabaseName(10, NOW - HOUR - 1), benchDatabaseName(11, NOW - HOUR + 1), 'callback_order_explain'];
    expect(staleBenchDatabases(names, { nowMs: NOW, alive: undefined, maxAgeMs: HOUR })).toEqual([names[0]]);
  });

  it('tells a living process from a gone one', () => {
    expect(processRuns(process.pid)).toBe(true);
    // Above Linux's largest pid (2^22).
    expect(processRuns(4_194_305)).toBe(false);
  });
});
