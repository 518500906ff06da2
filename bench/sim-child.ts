import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { PhoneScript } from '../lib/simulator';
import type { SimReply, SimRequest } from './sim-process';

export interface SimChild {
  readonly port: number;
  setPhones(numbers: string[], behaviour: PhoneScript): Promise<void>;
  /** Makes `fraction` of the bridged legs press `digits`; resolves with how many did. */
  dtmf(fraction: number, digits: string): Promise<number>;
  stats(): Promise<{ channels: number; bridged: number; cpuMs: number }>;
  stop(): Promise<void>;
}

/** Forks bench/sim-process (the .ts through tsx when running from source, the .js when compiled). */
export async function startSimChild(): Promise<SimChild> {
  const fromSource = __filename.endsWith('.ts');
  const child: ChildProcess = fork(join(__dirname, `sim-process${fromSource ? '.ts' : '.js'}`), [], {
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: ((reply: SimReply) => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`simulator process exited with ${code}`)));
    child.on('message', (message: SimReply) => {
      if (message.type === 'ready') resolve(message.port);
      else replies.shift()?.(message);
    });
  });
  const ask = (request: SimRequest): Promise<SimReply> =>
    new Promise((resolve) => {
      replies.push(resolve);
      child.send(request);
    });
  return {
    port,
    async setPhones(numbers, behaviour) {
      // IPC messages are kept small.
      for (let i = 0; i < numbers.length; i += 5_000) await ask({ type: 'phones', numbers: numbers.slice(i, i + 5_000), behaviour });
    },
    async dtmf(fraction, digits) {
      const reply = await ask({ type: 'dtmf', fraction, digits });
      return reply.type === 'done' ? (reply.sent ?? 0) : 0;
    },
    async stats() {
      const reply = await ask({ type: 'stats' });
      return reply.type === 'done' ? { channels: reply.channels ?? 0, bridged: reply.bridged ?? 0, cpuMs: reply.cpuMs ?? 0 } : { channels: 0, bridged: 0, cpuMs: 0 };
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      });
    },
  };
}

/** Distinct valid NANP numbers: area code + 7 digits from 2000000 on. */
export function numbers(areaCode: string, count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+1${areaCode}${2_000_000 + offset + i}`);
}
