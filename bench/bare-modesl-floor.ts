import { randomUUID } from 'node:crypto';
import Connection from 'modesl/lib/esl/Connection';
import { machineTicks, stealPercentSince } from './machine-steal';
import { cpuSince, round, sleep } from './stats';

/**
 * The floor of scenario 2: the same originate/bridge sequence with bare modesl and nothing else
 * (no database, queue, policy or accounting): `bgapi originate` A with `&park`, wait for its
 * CHANNEL_ANSWER, `bgapi originate` B, wait for its answer, `uuid_bridge`, wait for both hangups.
 */
export interface FloorResult {
  rate: number;
  callbacks: number;
  completed: number;
  cpuMsPerCallback: number;
  /** The machine's steal during the run, % (bench/machine-steal.ts): the floor is the yardstick, so how slow the VM was matters. */
  stealPercent?: number;
}

export async function floorRun(options: { port: number; rate: number; seconds: number; numbers: () => [string, string] }): Promise<FloorResult> {
  const connection = await new Promise<Connection>((resolve) => {
    const made: Connection = new Connection('127.0.0.1', options.port, 'ClueCon', () => resolve(made));
  });
  await new Promise<void>((resolve) => connection.events('plain', 'CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE', () => resolve()));
  const when = (name: string, uuid: string): Promise<void> => new Promise((resolve) => void connection.once(`esl::event::${name}::${uuid}`, () => resolve()));
  const originate = (uuid: string, number: string): Promise<void> => {
    const answered = when('CHANNEL_ANSWER', uuid);
    connection.bgapi('originate', `{origination_uuid=${uuid},originate_timeout=30}sofia/gateway/carrier/${number.replace('+', '')} &park()`);
    return answered;
  };
  const callback = async (): Promise<boolean> => {
    const [aNumber, bNumber] = options.numbers();
    const a = randomUUID();
    const b = randomUUID();
    const ends = Promise.all([when('CHANNEL_HANGUP_COMPLETE', a), when('CHANNEL_HANGUP_COMPLETE', b)]);
    await originate(a, aNumber);
    await originate(b, bNumber);
    const bridged = new Promise<boolean>((resolve) => connection.api('uuid_bridge', `${a} ${b}`, (reply) => resolve(reply.getBody().startsWith('+OK'))));
    if (!(await bridged)) return false;
    // B hangs up after its talk; A, parked behind the bridge, follows (hangup_after_bridge's default).
    await Promise.race([ends, sleep(30_000)]);
    return true;
  };
  const count = options.rate * options.seconds;
  const ticks = machineTicks();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const calls: Promise<boolean>[] = [];
  while (calls.length < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * options.rate) + 1);
    while (calls.length < due) calls.push(callback());
    await sleep(5);
  }
  const done = await Promise.all(calls);
  const cpuMs = cpuSince(cpu);
  const stealPercent = stealPercentSince(ticks);
  connection.disconnect();
  const completed = done.filter(Boolean).length;
  return { rate: options.rate, callbacks: count, completed, cpuMsPerCallback: round(cpuMs / Math.max(1, completed), 3), ...(stealPercent === undefined ? {} : { stealPercent }) };
}
