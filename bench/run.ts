import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { callSetup, type CallSetupResult } from './call-setup';
import { concurrencyInFreshProcess } from './concurrency-child';
import { dropStaleBenchDatabasesOn } from './controller';
import { multiInstance } from './multi';
import { eslThroughput } from './esl-throughput';
import { repoRoot } from './repo-root';
import { routingBench } from './routing';
import { startOwnRedis } from './redis-process';
import { schedulerBackends, schedulerBench, type SchedulerResult } from './scheduler';
import { option, runScript } from './script';
import { settleServer, type SettleResult } from './settled-server';

/**
 * `npm run bench` runs every scenario in full; `--short` runs each for a few seconds (the test
 * suite uses it to prove the harness works, never to judge speed). Results are printed as a
 * table and written as JSON under bench/results/. `--only=esl,setup,concurrency,scheduler,routing,multi` picks scenarios
 * (written to latest-<names>.json, so a partial run never overwrites the full one). `--calls=1000,2000`
 * picks the concurrency scenario's sizes (1,000, 5,000 and 10,000 by default) to measure one
 * size without waiting for 10,000, and `--rate=100` the calls ordered per second (300 by default);
 * each size runs in a fresh process (bench/concurrency-process.ts).
 * `--rates=600,800` picks the call-setup ramp's steps (an A/B of two builds at the rates that matter).
 * `--heap-snapshots=DIR` writes heap snapshots of the idle and the loaded controller there (bench/heap-diff.ts compares them).
 */
async function main(): Promise<void> {
  const short = process.argv.includes('--short');
  const only = option('--only=')?.split(',');
  const wanted = (name: string): boolean => !only || only.includes(name);
  const callSizes = option('--calls=');
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, date: new Date().toISOString() };
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}`);
  const results: unknown[] = [];
  const mysqlUrl = process.env.TEST_MYSQL_URL;
  if (mysqlUrl) {
    const dropped = await dropStaleBenchDatabasesOn(mysqlUrl);
    if (dropped.length > 0) console.log(`dropped ${dropped.length} database(s) killed bench runs left: ${dropped.join(', ')}`);
  }
  // Each measured run starts on a MariaDB server that has done the previous one's background work
  // (bench/settled-server.ts), so that each figure is its own scenario's: a measurement fix, issue #20.
  const settles: ({ before: string } & SettleResult)[] = [];
  const settle = async (before: string): Promise<void> => {
    if (!mysqlUrl || short) return;
    const result = await settleServer(mysqlUrl);
    settles.push({ before, ...result });
    const { historyLength, flushedPerSecond, dirtyPages, cpuPercent } = result.work;
    const state = `history ${historyLength}, flushing ${flushedPerSecond ?? '-'} pages/s of ${dirtyPages} dirty, CPU ${cpuPercent ?? '-'} %`;
    console.log(`MariaDB ${result.settled ? `settled after ${result.waitedS} s` : `not settled after ${result.waitedS} s, started anyway`} (${state}) before ${before}`);
  };

  if (wanted('esl')) {
    await settle('esl');
    const throughput = eslThroughput(short ? { minEvents: 2_000, runs: 3 } : { minEvents: 120_000, runs: 7 });
    console.table({
      'ESL parse (ours)': { events: throughput.events, 'events/s': throughput.ours.eventsPerSecond, 'ms/run': throughput.ours.msPerRun },
      'ESL parse (modesl)': { events: throughput.events, 'events/s': throughput.modesl.eventsPerSecond, 'ms/run': throughput.modesl.msPerRun },
    });
    console.log(`ours / modesl speed ratio: ${throughput.ratio}`);
    results.push(throughput);
  }

  if (wanted('setup')) {
    const rates = option('--rates=')?.split(',').map((rate) => positive(rate, '--rates', true));
    await settle('setup on sqlite');
    const runs: CallSetupResult[] = [await callSetup({ short, ...(rates ? { rates } : {}) })];
    if (process.env.TEST_MYSQL_URL && process.env.TEST_REDIS_URL) {
      await settle('setup on mariadb');
      runs.push(await callSetup({ short, ...(rates ? { rates } : {}), database: 'mariadb', queue: { driver: 'redis', url: process.env.TEST_REDIS_URL, prefix: `cbbench-${process.pid}` } }));
    }
    for (const run of runs) {
      console.log(`call setup on ${run.database} (pool of ${run.poolMax}) + ${run.queue} queue (${run.mode} mode):`);
      console.table(
        Object.fromEntries(
          run.steps.map((step) => [
            `${step.rate}/s`,
            {
              'achieved/s': step.achievedPerSecond,
              'CPU ms/cb': step.cpuMsPerCallback,
              'sim ms/cb': step.simCpuMsPerCallback,
              'DB ms/cb': step.dbCpuMsPerCallback ?? '-',
              'Redis ms/cb': step.redisCpuMsPerCallback ?? '-',
              'all ms/cb': step.machineCpuMsPerCallback,
              'budget ms/cb': step.budgetMsPerCallback,
              'SQL/cb': step.sqlPerCallback,
              'trips/cb': step.roundTripsPerCallback,
              'order→orig p50': step.orderToOriginateMs.p50,
              'order→orig p99': step.orderToOriginateMs.p99,
              'ans→bridge p99': step.answerToBridgeMs.p99,
              'lag p99': step.lagMs.p99,
              'RSS MB': step.rssMb,
              'steal %': step.stealPercent ?? '-',
              behind: step.behind,
            },
          ]),
        ),
      );
      console.log(`sustained ${run.sustainedPerSecond}/s; floor ${run.floor.cpuMsPerCallback} CPU ms/callback at ${run.floor.rate}/s (steal ${run.floor.stealPercent ?? '-'} %); ours / floor = ${run.cpuRatioToFloor}; the controller alone on one core: ${run.controllerOneCorePerSecond}/s`);
      results.push(run);
    }
  }

  if (wanted('concurrency')) {
    const sizes = callSizes ? callSizes.split(',').map((size) => positive(size, '--calls', true)) : short ? [100] : [1_000, 5_000, 10_000];
    const held = [];
    const rate = numberOption('rate');
    const heapSnapshots = option('--heap-snapshots=');
    for (const calls of sizes) {
      await settle(`concurrency ${calls}`);
      held.push(await concurrencyInFreshProcess({ calls, dtmfSeconds: short ? 2 : 10, ...(rate === undefined ? {} : { rate }), ...(heapSnapshots === undefined ? {} : { heapSnapshots }) }));
    }
    console.log('concurrency (bridged calls held by one controller, 1% pressing a key each second):');
    console.table(
      Object.fromEntries(
        held.map((run) => [
          `${run.calls} calls`,
          { bridged: run.bridged, 'heap KB/call': run.heapKbPerCall, 'RSS KB/call': run.rssKbPerCall, 'heap MB': run.heapMb, 'RSS MB': run.rssMb, 'DTMF sent': run.dtmfSent, 'lag p99': run.lagMs.p99, 'lag max': run.lagMs.max },
        ]),
      ),
    );
    for (const run of held) {
      console.log(`${run.calls} calls: bridged after ${run.setupSeconds} s (meanwhile: CPU controller ${run.setupCpuSeconds.controller} s, simulator ${run.setupCpuSeconds.simulator} s; steal ${run.setupStealPercent ?? '-'} %); the inbound connection's commands, ms waiting to be written (queued) and for the reply (wire):`);
      console.table(
        Object.fromEntries(
          Object.entries(run.inboundCommands).map(([label, waits]) => [
            label,
            { count: waits.count, 'queued p50': waits.queuedMs.p50, 'queued p99': waits.queuedMs.p99, 'wire p50': waits.wireMs.p50, 'wire p99': waits.wireMs.p99, 'wire max': waits.wireMs.max, 'wire total s': waits.wireTotalS },
          ]),
        ),
      );
    }
    results.push(...held);
  }

  if (wanted('scheduler')) {
    const size = short ? { requests: 1_000, windowMs: 2_000, leadMs: 1_000 } : { requests: 100_000, windowMs: 60_000, leadMs: 30_000 };
    // A reduced run (the same due rate over less time) for profiling on a shared machine: --due=20000 --window=12.
    const due = numberOption('due');
    const windowS = numberOption('window');
    if (due !== undefined) size.requests = due;
    if (windowS !== undefined) size.windowMs = windowS * 1000;
    const restartToo = !process.argv.includes('--no-restart');
    const backends = schedulerBackends();
    // The target is "in 3 runs of 3": each run on its own, back to back (--runs=1 while iterating).
    const repeats = numberOption('runs') ?? (short ? 1 : 3);
    const runs: SchedulerResult[] = [];
    for (let i = 0; i < repeats; i += 1) {
      await settle(`scheduler run ${i + 1}`);
      runs.push(await schedulerBench({ ...size, ...backends }));
    }
    // The same with a redis-server of our own killed half-way through the window (losing every job)
    // and started again 2 s later: the sweep must give the rows new jobs, none lost or doubled.
    if (restartToo) {
      await settle('scheduler with a Redis restart');
      const redis = await startOwnRedis();
      try {
        const queue = { driver: 'redis' as const, url: redis.url, prefix: `cbbench-restart-${process.pid}` };
        runs.push(await schedulerBench({ ...size, database: backends.database, queue, restart: { redis, atMs: size.windowMs / 2, downMs: short ? 300 : 2_000 } }));
      } finally {
        await redis.stop();
      }
    }
    const first = runs[0];
    if (first) console.log(`scheduler on ${first.database} + ${first.queue}: ${first.requests} requests in ${first.windowMs / 1000} s (${first.duePerSecond} due/s), ${repeats} run(s)${restartToo ? ', then one with Redis killed and restarted empty mid-window' : ''}:`);
    const label = (run: SchedulerResult, i: number): string => (run.redisRestart ? 'Redis restart' : `run ${i + 1}`);
    console.table(
      Object.fromEntries(
        runs.map((run, i) => [
          label(run, i),
          {
            'late p50': run.latenessMs.p50,
            'late p99': run.latenessMs.p99,
            'late max': run.latenessMs.max,
            'due→fired p99': run.stagesMs.dueToFired.p99,
            'fired→claim p99': run.stagesMs.firedToClaim.p99,
            'claim→dial p99': run.stagesMs.claimToDial.p99,
            'dialed once': run.dialedOnce,
            'dialed twice': run.dialedTwice,
            'never dialed': run.neverDialed,
            'scheduled late': run.scheduledLate,
            'SQL/dial': run.sqlPerDial,
            'writes/dial': run.writesPerDial ?? '-',
            'fed at s': run.fedAtS,
            'CPU ms/dial': run.cpuPerDialMs,
            'loop lag p99': run.loopLagMs.p99,
          },
        ]),
      ),
    );
    console.log('periodic sweeps (rows checked: due rows the walks read; given a job: those that had none):');
    console.table(
      Object.fromEntries(
        runs.map((run, i) => [label(run, i), { sweeps: run.sweeps.count, 'longest ms': run.sweeps.maxMs, 'most reads': run.sweeps.maxReads, 'rows checked': run.sweeps.checked, 'given a job': run.sweeps.enqueued }]),
      ),
    );
    results.push(...runs);
  }

  if (wanted('multi')) {
    const redisUrl = process.env.TEST_REDIS_URL;
    if (!process.env.TEST_MYSQL_URL || !redisUrl) {
      console.log('multi-instance: skipped, it needs TEST_MYSQL_URL and TEST_REDIS_URL (two controllers share one MariaDB and one Redis)');
    } else {
      await settle('multi');
      const run = await multiInstance({ short, redisUrl });
      const warm = run.warmUp;
      console.log(`${run.instances} controller processes on one MariaDB + Redis (orders alternate between them); warm-up at ${warm.rate}/s: ${warm.completed} of ${warm.ordered} ended, ${warm.dialedTwice} dialed twice:`);
      console.table(
        Object.fromEntries(
          run.steps.map((step) => [
            `${step.rate}/s`,
            {
              'achieved/s': step.achievedPerSecond,
              completed: step.completed,
              'dialed per instance': step.dialedPerInstance.join(' + '),
              'CPU ms/cb per instance': step.cpuMsPerCallbackPerInstance.join(' / '),
              'dialed twice': step.dialedTwice,
              'never dialed': step.neverDialed,
              behind: step.behind,
            },
          ]),
        ),
      );
      console.log(`sustained ${run.sustainedPerSecond}/s combined`);
      results.push(run);
    }
  }

  if (wanted('routing')) {
    await settle('routing');
    const run = routingBench({ legs: short ? 20_000 : 500_000 });
    console.log(`routing: ${run.carriers} carriers × ${run.prefixesPerCarrier} prefixes, index built in ${run.buildMs} ms CPU`);
    console.table({ routing: { legs: run.legs, 'CPU ms/leg': run.cpuMsPerLeg, 'tries/leg': run.averageTries, target: 0.2 } });
    results.push(run);
  }

  const dir = join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${short ? 'latest-short' : 'latest'}${only ? `-${only.join('-')}` : ''}.json`);
  writeFileSync(file, `${JSON.stringify({ machine, short, settles, results }, null, 2)}\n`);
  console.log(`written to ${file}`);
}

/** `--name=<number>` from the command line, if given; a malformed one stops the run. */
function numberOption(name: string): number | undefined {
  const raw = option(`--${name}=`);
  return raw === undefined ? undefined : positive(raw, `--${name}`);
}

function positive(text: string, option: string, wholeOnly = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (wholeOnly && !Number.isInteger(value))) {
    throw new Error(`${option} takes positive ${wholeOnly ? 'whole numbers' : 'numbers'}, got ${JSON.stringify(text)}`);
  }
  return value;
}

runScript(main);
