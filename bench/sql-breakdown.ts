/**
 * Which statements a callback costs: orders `--calls=N` callbacks (default 20) one after another
 * through the bench controller (simultaneous mode, as the call-setup scenario, or
 * `--mode=source_first`), waits until each
 * ended, and prints every statement shape the database received with how often per callback.
 * Also prints this process's CPU per callback (the controller runs here, the simulator in a child),
 * a figure that compares builds on a loaded machine better than a throughput does. `--concurrency=N`
 * keeps N callbacks in flight (each of N lanes, of an account of its own, orders its next when its
 * last ended), so the database sees them together: one at a time
 * pays every wake-up per statement alone, which a loaded controller shares between calls.
 * `--cpu-prof=FILE` writes a CPU profile of those callbacks only (not of the start and stop).
 * With `--mariadb`, also the MariaDB server's CPU per callback over the same loop (read from
 * /proc for the server listening on TEST_MYSQL_URL's port, bench/service-cpu.ts: the whole
 * server's, so another client's work meanwhile counts too; a private server on its own port gives
 * a quiet A/B).
 * A debugging aid, not a benchmark: `npx tsx bench/sql-breakdown.ts [--mariadb] [--calls=N] [--mode=source_first] [--concurrency=N] [--cpu-prof=FILE]`
 * (`--mariadb` needs TEST_MYSQL_URL and TEST_REDIS_URL, as `npm run bench` does).
 */
import { MODES, type CallbackMode } from '../lib/store/callback-requests';
import { startController } from './controller';
import { startCpuProfile } from './cpu-profile';
import { callbackParties, startSimChild } from './sim-child';
import { localServiceCpu } from './service-cpu';
import { SqlCounter } from './sql-count';
import { requestEnds } from './request-ends';
import { round } from './stats';
import { option, runScript } from './script';

async function main(): Promise<void> {
  const mariadb = process.argv.includes('--mariadb');
  const calls = Number(option('--calls=') ?? 20);
  const concurrency = Number(option('--concurrency=') ?? 1);
  const profileFile = option('--cpu-prof=');
  const mode = modeOption(option('--mode=') ?? 'simultaneous');
  const redisUrl = process.env.TEST_REDIS_URL;
  if (mariadb && !redisUrl) throw new Error('--mariadb needs TEST_MYSQL_URL and TEST_REDIS_URL');
  const sim = await startSimChild();
  try {
    const { aNumbers, bNumbers } = await callbackParties(sim, calls, 300);
    const controller = await startController({
      simPort: sim.port,
      database: mariadb ? 'mariadb' : 'sqlite',
      queue: mariadb && redisUrl ? { driver: 'redis', url: redisUrl, prefix: `cbsql-${process.pid}` } : { driver: 'memory' },
      accounts: concurrency,
    });
    const endOf = requestEnds(controller.engine);
    const sql = new SqlCounter(controller.db);
    const profiler = profileFile === undefined ? undefined : await startCpuProfile(profileFile);
    const server = mariadb ? localServiceCpu(process.env.TEST_MYSQL_URL) : undefined;
    const serverBefore = server?.ms();
    const cpuBefore = process.cpuUsage();
    try {
      let next = 0;
      const callOneAfterAnother = async (lane: number): Promise<void> => {
        for (let i = next++; i < calls; i = next++) {
          const { request } = await controller.engine.order({ accountId: controller.accountIds[lane]!, source: aNumbers[i]!, destination: bNumbers[i]!, mode });
          await endOf(request.id);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, (_, lane) => callOneAfterAnother(lane)));
      const cpu = process.cpuUsage(cpuBefore);
      const serverMs = server && serverBefore !== undefined ? server.ms() - serverBefore : undefined;
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
