import type { PhoneScript } from '../lib/simulator';
import { forkBenchChild } from './child-process';
import type { SimReply, SimRequest } from './sim-process';

export interface SimChild {
  readonly port: number;
  setPhones(numbers: string[], behaviour: PhoneScript): Promise<void>;
  /** Makes `fraction` of the bridged legs press `digits`; resolves with how many did. */
  dtmf(fraction: number, digits: string): Promise<number>;
  stats(): Promise<{ channels: number; bridged: number; cpuMs: number }>;
  stop(): Promise<void>;
}

/**
 * Forks bench/sim-process. With `CALLBACK_BENCH_SIM_PROFILE=DIR` the simulator writes a CPU profile
 * of its whole life into DIR when it stops (`npx tsx bench/profile-summary.ts FILE` reads it).
 */
export async function startSimChild(): Promise<SimChild> {
  const profileDir = process.env.CALLBACK_BENCH_SIM_PROFILE;
  const { child, first } = await forkBenchChild<SimRequest, SimReply>('sim-process', profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  if (first.type !== 'ready') throw new Error('simulator process did not say it was ready');
  return {
    port: first.port,
    async setPhones(numbers, behaviour) {
      // IPC messages are kept small.
      for (let i = 0; i < numbers.length; i += 5_000) await child.ask({ type: 'phones', numbers: numbers.slice(i, i + 5_000), behaviour });
    },
    async dtmf(fraction, digits) {
      const reply = await child.ask({ type: 'dtmf', fraction, digits });
      return reply.type === 'done' ? (reply.sent ?? 0) : 0;
    },
    async stats() {
      const reply = await child.ask({ type: 'stats' });
      return reply.type === 'done' ? { channels: reply.channels ?? 0, bridged: reply.bridged ?? 0, cpuMs: reply.cpuMs ?? 0 } : { channels: 0, bridged: 0, cpuMs: 0 };
    },
    stop: () => child.stop(),
  };
}

/**
 * The callbacks' parties on `sim`: `count` A numbers (+1202…) that answer after 50 ms and as many B
 * numbers (+1303…) that answer after 100 ms and hang up after `talkMs` (never, when undefined).
 */
export async function callbackParties(sim: SimChild, count: number, talkMs: number | undefined): Promise<{ aNumbers: string[]; bNumbers: string[] }> {
  const aNumbers = numbers('202', count);
  const bNumbers = numbers('303', count);
  await sim.setPhones(aNumbers, { kind: 'answer', afterMs: 50 });
  await sim.setPhones(bNumbers, { kind: 'answer', afterMs: 100, ...(talkMs === undefined ? {} : { hangupAfterMs: talkMs }) });
  return { aNumbers, bNumbers };
}

/** Distinct valid NANP numbers: area code + 7 digits from 2000000 on. */
export function numbers(areaCode: string, count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+1${areaCode}${2_000_000 + offset + i}`);
}
