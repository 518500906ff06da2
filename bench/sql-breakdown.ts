/**
 * Which statements a callback costs: orders `--calls=N` callbacks (default 20) one after another
 * (`--parallel=P`: P at a time, each of its own account, so the database sees them together)
 * through the bench controller (simultaneous mode, as the call-setup scenario, or
 * `--mode=source_first`), waits until each
 * ended, and prints every statement shape the database received with how often per callback.
 * Also prints this process's CPU per callback (the controller runs here, the simulator in a child),
 * a figure that compares builds on a loaded machine better than a throughput does.
 * `--cpu-prof=FILE` writes a CPU profile of those callbacks only (not of the start and stop).
 * With `--mariadb`, also the MariaDB server's CPU per callback over the same loop (read from
 * /proc: the whole server's, so another client's work meanwhile counts too; `--server-pid=PID`
 * names the server when several run, as with a private one for a quiet A/B).
 * A debugging aid, not a benchmark: `npx tsx bench/sql-breakdown.ts [--mariadb] [--calls=N] [--parallel=P] [--mode=source_first] [--cpu-prof=FILE] [--server-pid=PID]`
 * (`--mariadb` needs TEST_MYSQL_URL and TEST_REDIS_URL, as `npm run bench` does).
 */
import type { RequestChange } from '../lib/callback/engine';
import { MODES, type CallbackMode } from '../lib/store/callback-requests';
import { startController } from './controller';
import { startCpuProfile } from './cpu-profile';
import { numbers, startSimChild } from './sim-child';
import { findProcessCpu, processCpu } from './server-cpu';
import { SqlCounter } from './sql-count';
import { round, waitFor } from './stats';
import { option, runScript } from './script';

const TERMINAL = new Set(['completed', 'busy', 'no_answer', 'failed', 'cancelled']);

async function main(): Promise<void> {
  const mariadb = process.argv.includes('--mariadb');
  const calls = Number(option('--calls=') ?? 20);
  const parallel = Number(option('--parallel=') ?? 1);
  const profileFile = option('--cpu-prof=');
  const mode = modeOption(option('--mode=') ?? 'simultaneous');
  const redisUrl = process.env.TEST_REDIS_URL;
  if (mariadb && !redisUrl) throw new Error('--mariadb needs TEST_MYSQL_URL and TEST_REDIS_URL');
  const sim = await startSimChild();
  try {
    const aNumbers = numbers('202', calls);
    const bNumbers = numbers('303', calls);
    await sim.setPhones(aNumbers, { kind: 'answer', afterMs: 50 });
    await sim.setPhones(bNumbers, { kind: 'answer', afterMs: 100, hangupAfterMs: 300 });
    const controller = await startController({
      simPort: sim.port,
      database: mariadb ? 'mariadb' : 'sqlite',
      queue: mariadb && redisUrl ? { driver: 'redis', url: redisUrl, prefix: `cbsql-${process.pid}` } : { driver: 'memory' },
      accounts: parallel,
    });
    const ended = new Set<string>();
    controller.engine.on('request', (change: RequestChange) => {
      if (TERMINAL.has(change.to)) ended.add(change.requestId);
    });
    const sql = new SqlCounter(controller.db);
    const profiler = profileFile === undefined ? undefined : await startCpuProfile(profileFile);
    const serverPid = option('--server-pid=');
    const server = !mariadb ? undefined : serverPid === undefined ? findProcessCpu(['mariadbd', 'mysqld']) : processCpu(Number(serverPid));
    const serverBefore = server?.cpuMs();
    const cpuBefore = process.cpuUsage();
    try {
      for (let first = 0; first < calls; first += parallel) {
        const batch = Array.from({ length: Math.min(parallel, calls - first) }, (_, index) => first + index);
        const requests = await Promise.all(batch.map((i) => controller.engine.order({ accountId: controller.accountIds[i % parallel]!, source: aNumbers[i]!, destination: bNumbers[i]!, mode })));
        await waitFor(() => requests.every(({ request }) => ended.has(request.id)), `requests ${first + 1}–${first + batch.length} ended`, 30_000);
      }
      const cpu = process.cpuUsage(cpuBefore);
      const serverMs = server && serverBefore !== undefined ? server.cpuMs() - serverBefore : undefined;
      await profiler?.stop();
      const cpuMsPerCallback = (cpu.user + cpu.system) / 1000 / calls;
      console.log(`${mariadb ? 'MariaDB + Redis' : 'SQLite + memory queue'}, ${mode}: ${round(sql.count / calls, 1)} statements per callback (${sql.count} for ${calls}), ${round(sql.commits / calls, 1)} commits per callback, ${round(sql.roundTrips / calls, 1)} round trips per callback, ${round(cpuMsPerCallback, 2)} CPU ms per callback${serverMs === undefined ? '' : `, MariaDB server ${round(serverMs / calls, 2)} CPU ms per callback (pid ${server!.pid})`}`);
      console.table(sql.breakdown().map(({ shape, count }) => ({ 'per callback': round(count / calls, 2), statement: shape.slice(0, 160) })));
    } finally {
      sql.stop();
      await controller.stop();
    }
  } finally {
    await sim.stop();
  }
}

function modeOption(value: string): CallbackMode {
  const mode = MODES.find((known) => known === value);
  if (mode === undefined) throw new Error(`--mode must be one of ${MODES.join(', ')}, not ${value}`);
  return mode;
}

runScript(main);
