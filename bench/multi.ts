import { randomBytes } from 'node:crypto';
import type { QueueSettings } from '../lib/config';
import { CONTROLLER_NODE_FLAGS } from '../lib/service/node-flags';
import { forkBenchChild, type BenchChild } from './child-process';
import { openBenchDatabase, prepareBenchDatabase } from './controller';
import type { ControllerReply, ControllerRequest, ControllerStats } from './controller-process';
import { deleteRedisPrefix } from './redis-process';
import { callbackParties, startSimChild } from './sim-child';
import { round, sleep } from './stats';

/**
 * Scenario 5: two controller processes on one MariaDB and one Redis (the dial queue shared, so a
 * request ordered on either may be dialed by either), against the simulator in a third process:
 * the combined rate, each process's CPU, and that no request was handed to dial twice across both.
 * Orders alternate between the two, as a load balancer in front of their APIs would spread them;
 * calls as in the ramp (A answers after 50 ms, B after 100 ms, uuid_bridge, B hangs up after 2 s).
 */
export interface MultiStep {
  rate: number;
  ordered: number;
  completed: number;
  /** bridges / (first order → last bridge, less the ~150 ms of ringing), callbacks/s, both processes. */
  achievedPerSecond: number;
  /** Requests each process dialed (its scheduler claimed them). */
  dialedPerInstance: number[];
  cpuMsPerCallbackPerInstance: number[];
  dialedTwice: number;
  neverDialed: number;
  behind: boolean;
}

export interface MultiResult {
  scenario: 'multi';
  instances: number;
  /** The first calls of each fresh process (JIT compiling, pools and caches filling), not judged. */
  warmUp: MultiStep;
  steps: MultiStep[];
  sustainedPerSecond: number;
}

const INSTANCES = 2;

export async function multiInstance(options: { short: boolean; redisUrl: string }): Promise<MultiResult> {
  // From a rate one controller sustains on MariaDB + Redis on this machine (50/s, README), so that
  // the first judged step says what two do rather than stopping the ramp at once.
  const rates = options.short ? [20] : [50, 100, 150, 200, 300, 400, 600];
  const seconds = options.short ? 2 : 4;
  const warmUpRate = options.short ? 5 : 20;
  const total = warmUpRate * seconds + rates.reduce((sum, rate) => sum + rate * seconds, 0);
  const sim = await startSimChild();
  const { db, drop, url: databaseUrl } = await openBenchDatabase('mariadb');
  const controllers: BenchChild<ControllerRequest, ControllerReply>[] = [];
  const queue: QueueSettings = { driver: 'redis', url: options.redisUrl, prefix: `cbbench-multi-${process.pid}-${randomBytes(3).toString('hex')}` };
  try {
    const { aNumbers, bNumbers } = await callbackParties(sim, total, 2_000);
    const accounts = await prepareBenchDatabase(db, options.short ? 20 : 200);
    if (!databaseUrl) throw new Error('the bench database has no URL');
    for (let i = 0; i < INSTANCES; i += 1) {
      const { child } = await forkBenchChild<ControllerRequest, ControllerReply>('controller-process', CONTROLLER_NODE_FLAGS);
      controllers.push(child);
      await child.ask({ type: 'start', simPort: sim.port, databaseUrl, queue, instanceId: `bench-multi-${i}`, ...accounts });
    }
    const stats = async (): Promise<ControllerStats[]> => (await Promise.all(controllers.map((child) => child.ask({ type: 'stats' })))).map(statsOf);
    const steps: MultiStep[] = [];
    let next = 0;
    const warmUp = await runStep(warmUpRate);
    for (const rate of rates) {
      const step = await runStep(rate);
      steps.push(step);
      if (step.behind) break;
    }
    return { scenario: 'multi', instances: INSTANCES, warmUp, steps, sustainedPerSecond: Math.max(0, ...steps.filter((step) => !step.behind).map((step) => step.rate)) };

    async function runStep(rate: number): Promise<MultiStep> {
      const before = await stats();
      const count = rate * seconds;
      const first = next;
      const startedAt = Date.now();
      let issued = 0;
      while (issued < count) {
        const due = Math.min(count, Math.floor(((Date.now() - startedAt) / 1000) * rate) + 1);
        const batches: { accountId: number; source: string; destination: string }[][] = controllers.map(() => []);
        for (; issued < due; issued += 1) {
          const i = next++;
          batches[issued % INSTANCES]!.push({ accountId: accounts.accountIds[i % accounts.accountIds.length]!, source: aNumbers[i]!, destination: bNumbers[i]! });
        }
        await Promise.all(controllers.map((child, k) => (batches[k]!.length > 0 ? child.ask({ type: 'order', orders: batches[k]! }) : undefined)));
        await sleep(5);
      }
      const endedBefore = before.reduce((sum, s) => sum + s.ended, 0);
      let after = await stats();
      const limit = Date.now() + 30_000 + seconds * 1000;
      while (after.reduce((sum, s) => sum + s.ended, 0) - endedBefore < count && Date.now() < limit) {
        await sleep(200);
        after = await stats();
      }
      const ids = await db('callback_requests').whereIn('source', aNumbers.slice(first, first + count)).pluck('id');
      const dialed = new Map<string, number>();
      const dialedPerInstance = after.map((s, k) => {
        const earlier = new Map(before[k]!.dialed);
        let mine = 0;
        for (const [id, times] of s.dialed) {
          const now = times - (earlier.get(id) ?? 0);
          if (now > 0) {
            dialed.set(id, (dialed.get(id) ?? 0) + now);
            mine += 1;
          }
        }
        return mine;
      });
      const bridges = after.flatMap((s, k) => s.bridgedAt.slice(before[k]!.bridgedAt.length));
      const completed = after.reduce((sum, s) => sum + s.ended, 0) - endedBefore;
      const achieved = bridges.length > 0 ? bridges.length / Math.max(seconds, (Math.max(...bridges) - startedAt - 150) / 1000) : 0;
      const dialedTwice = ids.filter((id: string) => (dialed.get(id) ?? 0) > 1).length;
      const neverDialed = ids.filter((id: string) => !dialed.has(id)).length + (count - ids.length);
      return {
        rate,
        ordered: count,
        completed,
        achievedPerSecond: round(achieved, 1),
        dialedPerInstance,
        cpuMsPerCallbackPerInstance: after.map((s, k) => round((s.cpuMs - before[k]!.cpuMs) / Math.max(1, dialedPerInstance[k]!), 3)),
        dialedTwice,
        neverDialed,
        behind: completed < count || achieved < rate * 0.9 || dialedTwice > 0,
      };
    }
  } finally {
    for (const child of controllers) {
      await child.ask({ type: 'stop' });
      await child.stop();
    }
    await deleteRedisPrefix(options.redisUrl, queue.prefix);
    await drop();
    await sim.stop();
  }
}

function statsOf(reply: ControllerReply): ControllerStats {
  if (reply.type !== 'stats') throw new Error(`controller process answered ${reply.type} to stats`);
  return reply;
}
