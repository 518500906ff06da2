/**
 * The simulator's own CPU per callback, without a controller: one inbound connection sends what the
 * controller sends for a callback in the call-setup scenario (subscribed to the controller's
 * events; `bgapi originate` A and B with `&park()`, `uuid_bridge` once both jobs are `+OK`,
 * `sched_hangup`; B hangs up after its talk, A follows), at a fixed rate, and reads every event.
 * The driver does not wait for a database, so two builds of the simulator compare on the same
 * traffic (A/B back to back on a shared machine); `CALLBACK_BENCH_SIM_PROFILE=DIR` profiles it.
 * `npx tsx bench/sim-load.ts [--rate=400] [--seconds=4] [--talk-ms=2000]`
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { DEFAULT_INBOUND_EVENTS } from '../lib/esl/inbound-client';
import { FrameParser, type EslFrame } from '../lib/esl/wire';
import { numbers, startSimChild } from './sim-child';
import { option, runScript } from './script';
import { round, sleep, waitFor } from './stats';

interface Callback {
  readonly a: string;
  readonly b: string;
  jobsOk: number;
  ended: number;
}

/** One ESL client connection: commands in order, each answered by the next reply. */
class Client {
  private readonly parser = new FrameParser();
  private readonly replies: ((frame: EslFrame) => void)[] = [];

  constructor(
    private readonly socket: Socket,
    onEvent: (frame: EslFrame) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.parser.push(chunk)) {
        const type = frame.headers.get('Content-Type');
        if (type === 'command/reply' || type === 'api/response') this.replies.shift()?.(frame);
        else if (type === 'text/event-plain') onEvent(frame);
      }
    });
  }

  send(command: string): Promise<EslFrame> {
    return new Promise((resolve) => {
      this.replies.push(resolve);
      this.socket.write(`${command}\n\n`);
    });
  }
}

/** The body's first header value named `name` (event-plain: `Name: value` lines). */
function header(body: string, name: string): string | undefined {
  const at = body.indexOf(`\n${name}: `);
  if (at < 0) return undefined;
  const start = at + name.length + 3;
  const end = body.indexOf('\n', start);
  return body.slice(start, end < 0 ? undefined : end);
}

async function main(): Promise<void> {
  const rate = Number(option('--rate=') ?? 400);
  const seconds = Number(option('--seconds=') ?? 4);
  const talkMs = Number(option('--talk-ms=') ?? 2_000);
  const count = rate * seconds;
  // A second of short calls first, so that the measured ones run on compiled code.
  const warmUp = rate;
  const sim = await startSimChild();
  try {
    const aNumbers = numbers('202', warmUp + count);
    const bNumbers = numbers('303', warmUp + count);
    await sim.setPhones(aNumbers, { kind: 'answer', afterMs: 50 });
    await sim.setPhones(bNumbers.slice(0, warmUp), { kind: 'answer', afterMs: 100, hangupAfterMs: 1_000 });
    await sim.setPhones(bNumbers.slice(warmUp), { kind: 'answer', afterMs: 100, hangupAfterMs: talkMs });
    const byJob = new Map<string, Callback>();
    const byLeg = new Map<string, Callback>();
    let ended = 0;
    const socket = connect(sim.port, '127.0.0.1');
    const client: Client = new Client(socket, (frame) => {
      const body = frame.body?.toString('latin1') ?? '';
      if (body.startsWith('Event-Name: BACKGROUND_JOB')) {
        const callback = byJob.get(header(body, 'Job-UUID') ?? '');
        // The job's output is the event's own body, after a blank line.
        if (callback && body.includes('\n\n+OK ') && ++callback.jobsOk === 2) void bridge(callback);
      } else if (body.startsWith('Event-Name: CHANNEL_HANGUP_COMPLETE')) {
        const callback = byLeg.get(header(body, 'Unique-ID') ?? '');
        if (callback && ++callback.ended === 2) ended += 1;
      }
    });
    const bridge = async (callback: Callback): Promise<void> => {
      await client.send(`api uuid_bridge ${callback.a} ${callback.b}`);
      await client.send(`api sched_hangup ${Math.floor(Date.now() / 1000) + 3_600} ${callback.b} ALLOTTED_TIMEOUT`);
    };
    const order = (index: number): void => {
      const callback: Callback = { a: randomUUID(), b: randomUUID(), jobsOk: 0, ended: 0 };
      byLeg.set(callback.a, callback).set(callback.b, callback);
      for (const [leg, uuid, number] of [['A', callback.a, aNumbers[index]!], ['B', callback.b, bNumbers[index]!]] as const) {
        const job = randomUUID();
        byJob.set(job, callback);
        void client.send(
          `bgapi originate {origination_uuid=${uuid},originate_timeout=30,ignore_early_media=true,callback_request_id=${randomUUID()},callback_leg=${leg},callback_attempt=1}sofia/gateway/carrier/${number.replace('+', '')} &park()\nJob-UUID: ${job}`,
        );
      }
    };
    /** Orders `calls` callbacks from number `first` on at the rate and waits until they all ended. */
    const run = async (first: number, calls: number): Promise<void> => {
      ended = 0;
      const started = performance.now();
      let issued = 0;
      while (issued < calls) {
        const due = Math.min(calls, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
        for (; issued < due; issued += 1) order(first + issued);
        await sleep(5);
      }
      await waitFor(() => ended === calls, `${calls} callbacks ended`, 60_000 + talkMs);
    };
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await client.send('auth ClueCon');
    await client.send(`event plain ${DEFAULT_INBOUND_EVENTS.join(' ')}`);
    await run(0, warmUp);
    const cpuBefore = (await sim.stats()).cpuMs;
    const started = performance.now();
    await run(warmUp, count);
    const cpuMs = (await sim.stats()).cpuMs - cpuBefore;
    socket.destroy();
    console.log(JSON.stringify({ rate, callbacks: count, seconds: round((performance.now() - started) / 1000, 1), simCpuMs: round(cpuMs, 0), simCpuMsPerCallback: round(cpuMs / count, 3) }));
  } finally {
    await sim.stop();
  }
}

runScript(main);
