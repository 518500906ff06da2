import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { CallSession } from '../../lib/esl/call-session';
import { CallEnded, EslCommandFailed, EslDisconnected } from '../../lib/esl/errors';
import type { HangupCause } from '../../lib/esl/hangup-causes';
import { gatewayDialString } from '../../lib/esl/dial-string';
import { InboundClient } from '../../lib/esl/inbound-client';
import { NodePool } from '../../lib/esl/node-pool';
import { OutboundServer } from '../../lib/esl/outbound-server';
import { memoryLogger } from '../support/esl-fakes';
import { FreeswitchSimulator, type PhoneBehaviour } from '../../lib/simulator';
import { ManualClock } from '../../lib/time/clock';

/**
 * The ESL layer against the FreeSWITCH simulator over real TCP. Everything runs on one
 * ManualClock; `run` steps it while letting loopback I/O through, so simulated seconds cost a
 * few real milliseconds.
 */

const realTick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function run<T>(clock: ManualClock, promise: Promise<T>, limitMs = 120_000, stepMs = 20): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let elapsed = 0; !settled && elapsed < limitMs; elapsed += stepMs) {
    await realTick();
    if (!settled) await clock.advance(stepMs);
  }
  if (!settled) throw new Error(`still pending after ${limitMs} simulated ms`);
  return promise;
}

/** A TCP relay between our client and the simulator, so a test can cut the connection. */
class CuttableProxy {
  private readonly pairs: Array<[Socket, Socket]> = [];
  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<CuttableProxy> {
    const server = createServer();
    const proxy = new CuttableProxy(server);
    server.on('connection', (downstream) => {
      const upstream = connect({ host: '127.0.0.1', port: targetPort });
      for (const socket of [downstream, upstream]) {
        socket.setNoDelay(true);
        socket.on('error', () => undefined);
      }
      downstream.pipe(upstream);
      upstream.pipe(downstream);
      downstream.on('close', () => upstream.destroy());
      upstream.on('close', () => downstream.destroy());
      proxy.pairs.push([downstream, upstream]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy not listening');
    return address.port;
  }

  get connections(): number {
    return this.pairs.length;
  }

  /** A TCP reset towards our client, as when FreeSWITCH dies or a firewall drops the flow. */
  cutAll(): void {
    for (const [downstream, upstream] of this.pairs) {
      downstream.resetAndDestroy();
      upstream.destroy();
    }
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Rig {
  clock: ManualClock;
  sim: FreeswitchSimulator;
  client: InboundClient;
  server: OutboundServer;
  sessions: CallSession[];
  proxy: CuttableProxy;
  handler: (session: CallSession) => Promise<void>;
}

let rig: Rig | undefined;

async function startRig(simOptions: Partial<Parameters<typeof FreeswitchSimulator.start>[0]> = {}, sessionOptions: { linger?: boolean } = {}): Promise<Rig> {
  const clock = new ManualClock();
  const { logger } = memoryLogger();
  const sim = await FreeswitchSimulator.start({ eslPort: 0, password: 'ClueCon', clock, gateways: ['carrier'], ...simOptions });
  const proxy = await CuttableProxy.start(sim.eslPort);
  const client = new InboundClient({
    name: 'sim',
    host: '127.0.0.1',
    port: proxy.port,
    password: 'ClueCon',
    logger,
    clock,
    random: () => 0,
    backoff: { initialMs: 200, maxMs: 2_000 },
  });
  const sessions: CallSession[] = [];
  const current: Rig = {
    clock,
    sim,
    client,
    proxy,
    sessions,
    handler: async (session) => void (await session.ended),
    server: await OutboundServer.listen({
      ...sessionOptions,
      port: 0,
      logger,
      clock,
      handler: (session) => {
        sessions.push(session);
        return current.handler(session);
      },
    }),
  };
  rig = current;
  await run(clock, client.ready());
  return current;
}

afterEach(async () => {
  if (!rig) return;
  const { client, server, sim, proxy, clock } = rig;
  rig = undefined;
  await run(clock, client.close());
  await run(clock, server.close());
  await proxy.stop();
  await sim.stop();
});

function originate(r: Rig, number: string, timeoutSec = 30): Promise<string> {
  return r.client.originate({ uuid: randomUUID(), gateway: 'carrier', number, callerIdNumber: '5551000', timeoutSec, socket: r.server.address });
}

describe('ESL layer against the simulator', () => {
  it('originates to an answering phone, collects its DTMF in order through the socket session, and hangs up', async () => {
    const r = await startRig();
    r.sim.setPhone('15550001', { kind: 'answer', afterMs: 50, dtmf: [{ afterMs: 300, digits: '123#' }] });
    const heard: string[] = [];
    let pin: string | undefined;
    r.handler = async (session) => {
      session.onDtmf((digit) => heard.push(digit));
      pin = await session.playAndGetDigits({ min: 1, max: 5, tries: 1, timeoutMs: 5000, terminators: '#', file: 'silence_stream://200' });
      await session.hangup('NORMAL_CLEARING');
    };
    const uuid = await run(r.clock, originate(r, '15550001'));
    const session = await run(r.clock, waitForSession(r, uuid));
    const summary = await run(r.clock, session.finished);
    expect(pin).toBe('123');
    expect(heard).toEqual(['1', '2', '3', '#']);
    expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING' });
    expect(summary.hangupComplete).toBeDefined();
  });

  it.each<[string, HangupCause, PhoneBehaviour]>([
    ['busy', 'USER_BUSY', { kind: 'busy' }],
    ['unallocated', 'UNALLOCATED_NUMBER', { kind: 'unallocated' }],
    ['congested', 'NORMAL_CIRCUIT_CONGESTION', { kind: 'congestion' }],
    ['rejecting', 'CALL_REJECTED', { kind: 'reject', cause: 'CALL_REJECTED' }],
    ['never answering', 'NO_ANSWER', { kind: 'no-answer' }],
  ])('reports a %s phone as EslCommandFailed with %s', async (_what, cause, phone) => {
    const r = await startRig();
    r.sim.setPhone('15550002', phone);
    const error = await run(r.clock, originate(r, '15550002', 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EslCommandFailed);
    expect(error).toMatchObject({ command: 'originate', hangupCause: cause });
    expect(r.sessions).toHaveLength(0);
    expect(r.client.pendingJobs).toBe(0);
  });

  it('rejects a playback with CallEnded when the far end hangs up in the middle of it', async () => {
    const r = await startRig({ fileDurations: { '/prompts/long.wav': 30_000 } });
    r.sim.setPhone('15550003', { kind: 'answer', hangupAfterMs: 2_000 });
    let failure: unknown;
    r.handler = async (session) => {
      failure = await session.playback('/prompts/long.wav').catch((e: unknown) => e);
    };
    const uuid = await run(r.clock, originate(r, '15550003'));
    const session = await run(r.clock, waitForSession(r, uuid));
    const summary = await run(r.clock, session.finished);
    expect(failure).toBeInstanceOf(CallEnded);
    expect(failure).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING', step: 'playback' });
    expect(summary.hangupComplete).toBeDefined();
  });

  it('rejects a digit collection with CallEnded when the caller hangs up, on an inbound access call', async () => {
    const r = await startRig();
    let failure: unknown;
    r.handler = async (session) => {
      await session.answer();
      failure = await session.playAndGetDigits({ min: 4, max: 4, tries: 3, timeoutMs: 10_000, file: 'silence_stream://500' }).catch((e: unknown) => e);
    };
    await run(r.clock, r.sim.placeInboundCall({ destination: '8000', callerIdNumber: '+15551234', socket: r.server.address, caller: { hangupAfterMs: 1_500 } }));
    await run(r.clock, waitUntilSettled(() => failure !== undefined));
    expect(failure).toMatchObject({ name: 'CallEnded', reason: 'hangup', step: 'play_and_get_digits' });
  });

  it('rejects an access call without answering it', async () => {
    const r = await startRig();
    r.handler = async (session) => {
      expect(session.answered).toBe(false);
      expect(session.destinationNumber).toBe('8000');
      await session.reject('USER_BUSY');
    };
    await run(r.clock, r.sim.placeInboundCall({ destination: '8000', callerIdNumber: '+15551234', socket: r.server.address }));
    const session = await run(r.clock, waitForAnySession(r));
    const summary = await run(r.clock, session.finished);
    expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'USER_BUSY' });
    expect(session.answered).toBe(false);
  });

  it('fails an in-flight bgapi at once when the inbound connection drops, then reconnects and originates again', async () => {
    const r = await startRig();
    r.sim.setPhone('15550004', { kind: 'no-answer' });
    r.sim.setPhone('15550005', { kind: 'answer' });
    const pending = originate(r, '15550004', 60);
    const outcome = pending.catch((e: unknown) => e);
    await run(r.clock, waitUntilSettled(() => r.client.pendingJobs === 1));
    r.proxy.cutAll();
    const error = await run(r.clock, outcome, 100);
    expect(error).toBeInstanceOf(EslDisconnected);
    await run(r.clock, r.client.ready());
    expect(r.proxy.connections).toBe(2);
    const created: string[] = [];
    r.client.on('event', (event) => {
      if (event.name === 'CHANNEL_CREATE') created.push(event.headers.get('Unique-ID') ?? '');
    });
    const uuid = await run(r.clock, originate(r, '15550005'));
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    // The new connection is subscribed again: its events arrive.
    expect(created).toContain(uuid);
  });

  it('runs the callback flow: PIN on leg A, bridge to B, B hangs up, A hears a prompt and is hung up', async () => {
    const r = await startRig();
    r.sim.setPhone('15550010', { kind: 'answer', dtmf: [{ afterMs: 200, digits: '4711#' }] });
    r.sim.setPhone('15550020', { kind: 'answer', afterMs: 100, hangupAfterMs: 1_000 });
    const bLeg = randomUUID();
    const steps: string[] = [];
    r.handler = async (session) => {
      await session.answer();
      const pin = await session.playAndGetDigits({ min: 4, max: 4, tries: 1, timeoutMs: 3000, file: 'silence_stream://100' });
      steps.push(`pin ${pin}`);
      await session.setVariable('hangup_after_bridge', 'false');
      const bridge = await session.bridge(gatewayDialString({ gateway: 'carrier', number: '15550020', uuid: bLeg }));
      steps.push(`bridge ${String(bridge.bridged)} ${bridge.hangupCause ?? '-'}`);
      steps.push(`playback ${await session.playback('silence_stream://300')}`);
      await session.hangup('NORMAL_CLEARING');
    };
    const aLeg = await run(r.clock, originate(r, '15550010'));
    const session = await run(r.clock, waitForSession(r, aLeg));
    const summary = await run(r.clock, session.finished);
    expect(steps).toEqual(['pin 4711', 'bridge true NORMAL_CLEARING', 'playback FILE PLAYED']);
    expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING' });
    expect(r.sim.channel(bLeg)?.hangupCause).toBe('NORMAL_CLEARING');
  });

  it("bridges again after a talk: B's caller ID and ring time from the dial string, the second dial's own cause", async () => {
    const r = await startRig();
    r.sim.setPhone('15550011', { kind: 'answer' });
    r.sim.setPhone('15550021', { kind: 'answer', hangupAfterMs: 500 });
    r.sim.setPhone('15550022', { kind: 'no-answer' });
    const [first, second] = [randomUUID(), randomUUID()];
    const results: string[] = [];
    let ringStart = 0;
    r.handler = async (session) => {
      await session.setVariable('hangup_after_bridge', 'false');
      await session.setVariable('continue_on_fail', 'true');
      const talked = await session.bridge(gatewayDialString({ gateway: 'carrier', number: '15550021', uuid: first, callerIdNumber: '+15559990001' }));
      results.push(`${String(talked.bridged)} ${talked.hangupCause ?? '-'}`);
      ringStart = r.clock.now();
      const unanswered = await session.bridge(gatewayDialString({ gateway: 'carrier', number: '15550022', uuid: second, timeoutSec: 7 }));
      results.push(`${String(unanswered.bridged)} ${unanswered.hangupCause ?? '-'}`);
      await session.hangup('NORMAL_CLEARING');
    };
    const aLeg = await run(r.clock, originate(r, '15550011'));
    const session = await run(r.clock, waitForSession(r, aLeg));
    await run(r.clock, session.finished);
    expect(results).toEqual(['true NORMAL_CLEARING', 'false NO_ANSWER']);
    expect(r.sim.channel(first)?.callerIdNumber).toBe('+15559990001');
    // originate_timeout counts whole epoch seconds, so it fires within the 7th second.
    const rang = r.sim.channel(second)!.hangupAt! - ringStart;
    expect(rang).toBeGreaterThan(6_000);
    expect(rang).toBeLessThanOrEqual(7_000);
  });

  it('streams DTMF sent to the leg in order through the async iterator', async () => {
    const r = await startRig();
    const digits: string[] = [];
    let listening!: () => void;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    r.handler = async (session) => {
      const stream = session.dtmf();
      listening();
      for await (const digit of stream) digits.push(digit);
    };
    const uuid = await run(r.clock, originate(r, '15550030'));
    await run(r.clock, ready);
    r.sim.sendDtmf(uuid, '##5*8');
    await run(r.clock, waitUntilSettled(() => digits.length === 5));
    r.sim.hangup(uuid, 'NORMAL_CLEARING');
    const session = await run(r.clock, waitForSession(r, uuid));
    await run(r.clock, session.finished);
    expect(digits).toEqual(['#', '#', '5', '*', '8']);
  });

  it('aborts a playback with uuid_break and keeps the call usable', async () => {
    const r = await startRig({ fileDurations: { '/prompts/long.wav': 30_000 } });
    const outcome: string[] = [];
    r.handler = async (session) => {
      const controller = new AbortController();
      const long = session.playback('/prompts/long.wav', { signal: controller.signal });
      r.clock.setTimeout(() => controller.abort(), 500);
      outcome.push(await long.catch((e: unknown) => (e as Error).name));
      await session.setVariable('after_abort', 'yes');
      outcome.push((await session.getVariable('after_abort')) ?? 'unset');
      outcome.push(await session.playback('silence_stream://200'));
    };
    const uuid = await run(r.clock, originate(r, '15550040'));
    await run(r.clock, waitUntilSettled(() => outcome.length === 3));
    expect(outcome).toEqual(['AbortError', 'yes', 'FILE PLAYED']);
    expect(r.sim.channel(uuid)?.playbacks[0]?.status).toBe('break');
  });

  it('spreads originates over two nodes and skips the one whose connection is down', async () => {
    const r = await startRig();
    const { logger } = memoryLogger();
    const second = await FreeswitchSimulator.start({ eslPort: 0, password: 'ClueCon', clock: r.clock, gateways: ['carrier'] });
    const secondClient = new InboundClient({ name: 'sim2', host: '127.0.0.1', port: second.eslPort, password: 'ClueCon', logger, clock: r.clock });
    try {
      await run(r.clock, secondClient.ready());
      const pool = new NodePool({
        nodes: [
          { client: r.client, maxChannels: 10, maxCps: 10 },
          { client: secondClient, maxChannels: 10, maxCps: 10 },
        ],
        logger,
        clock: r.clock,
      });
      const request = () => ({ uuid: randomUUID(), gateway: 'carrier', number: '15550050', timeoutSec: 10, socket: r.server.address });
      const first = await run(r.clock, pool.originate(request()));
      const next = await run(r.clock, pool.originate(request()));
      expect([first.node, next.node].sort()).toEqual(['sim', 'sim2']);
      r.proxy.cutAll();
      await run(r.clock, waitUntilSettled(() => r.client.state !== 'ready'));
      const third = await run(r.clock, pool.originate(request()));
      expect(third.node).toBe('sim2');
      expect(pool.snapshot().find((n) => n.name === 'sim2')?.channels).toBeGreaterThanOrEqual(2);
      pool.close();
    } finally {
      await run(r.clock, secondClient.close());
      await second.stop();
    }
  });
  it('records the call between recordStart and recordStop', async () => {
    const r = await startRig();
    const dir = mkdtempSync(path.join(tmpdir(), 'callback-esl-rec-'));
    const file = path.join(dir, 'call.wav');
    let done = false;
    r.handler = async (session) => {
      await session.recordStart(file);
      await session.playback('silence_stream://500');
      await session.recordStop(file);
      done = true;
      await session.hangup();
    };
    const uuid = await run(r.clock, originate(r, '15550060'));
    await run(r.clock, waitUntilSettled(() => done));
    const recording = r.sim.channel(uuid)?.recordings[0];
    expect(recording).toMatchObject({ path: file, via: 'record_session' });
    expect(recording?.stoppedAt).toBeDefined();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('ESL layer against the simulator, the session end on both orders of its races (capture README surprises 1, 2)', () => {
  it.each([['after-unpark' as const], ['after-hangup-complete' as const]])(
    'with linger, the linger notice %s: the session ends with the cause, keeps HANGUP_COMPLETE, and closes',
    async (lingerNotice) => {
      const r = await startRig({ lingerNotice });
      r.sim.setPhone('15550009', { kind: 'answer', hangupAfterMs: 2_000 });
      const uuid = await run(r.clock, originate(r, '15550009'));
      const session = await run(r.clock, waitForSession(r, uuid));
      const summary = await run(r.clock, session.finished);
      expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING' });
      expect(summary.hangupComplete?.headers.get('Hangup-Cause')).toBe('NORMAL_CLEARING');
      expect(r.sim.channels()).toEqual([]);
    },
  );

  it.each([['delivered' as const], ['lost' as const]])(
    'without linger, HANGUP_COMPLETE %s on the socket: the session ends with the cause from CHANNEL_HANGUP and closes',
    async (order) => {
      const r = await startRig({ races: { unlingeredHangupComplete: order } }, { linger: false });
      r.sim.setPhone('15550010', { kind: 'answer', hangupAfterMs: 2_000 });
      const uuid = await run(r.clock, originate(r, '15550010'));
      const session = await run(r.clock, waitForSession(r, uuid));
      const summary = await run(r.clock, session.finished);
      expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING' });
      expect(summary.hangupComplete === undefined).toBe(order === 'lost');
      expect(r.sim.channels()).toEqual([]);
    },
  );
});

function waitUntilSettled(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = (): void => {
      if (check()) resolve();
      else setTimeout(poll, 0);
    };
    poll();
  });
}

async function waitForSession(r: Rig, uuid: string): Promise<CallSession> {
  await waitUntilSettled(() => r.sessions.some((s) => s.uuid === uuid));
  return r.sessions.find((s) => s.uuid === uuid) as CallSession;
}

async function waitForAnySession(r: Rig): Promise<CallSession> {
  await waitUntilSettled(() => r.sessions.length > 0);
  return r.sessions[0] as CallSession;
}
