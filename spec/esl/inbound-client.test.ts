import { EslAuthFailed, EslCommandFailed, EslDisconnected, EslTimeout } from '../../lib/esl/errors';
import { InboundClient, type HealthState, type InboundClientOptions } from '../../lib/esl/inbound-client';
import { FakeInboundServer, eventBytes, memoryLogger, reply, waitUntil, type FakeInboundPeer } from '../support/esl-fakes';
import type { EslFrame } from '../../lib/esl/wire';
import { ManualClock, flushAsync } from '../../lib/time/clock';

const LEG = '3f1c0000-0000-4000-8000-000000000001';

let server: FakeInboundServer;
let client: InboundClient | undefined;

beforeEach(async () => {
  server = await FakeInboundServer.start();
});

afterEach(async () => {
  await client?.close();
  client = undefined;
  await server.stop();
});

function makeClient(options: Partial<InboundClientOptions> = {}) {
  const clock = new ManualClock();
  const { logger, records } = memoryLogger();
  const states: HealthState[] = [];
  client = new InboundClient({
    name: 'fs1',
    host: '127.0.0.1',
    port: options.port ?? server.port,
    password: 'ClueCon',
    logger,
    clock,
    random: () => 0,
    backoff: { initialMs: 100, factor: 2, maxMs: 1_000, jitter: 0.5 },
    ...options,
  });
  client.on('state', (state) => states.push(state));
  return { client, clock, records, states };
}

/** Answers bgapi with +OK Job-UUID and then calls `job` to decide the BACKGROUND_JOB. */
function answerBgapi(job: (frame: EslFrame, peer: FakeInboundPeer, jobUuid: string) => void): void {
  server.onCommand = (frame, peer) => {
    if (!frame.command?.startsWith('bgapi ')) return;
    const jobUuid = frame.headers.get('Job-UUID') ?? 'none';
    peer.send(reply.ok(`+OK Job-UUID: ${jobUuid}`));
    job(frame, peer, jobUuid);
  };
}

const backgroundJob = (jobUuid: string, body: string) => eventBytes('BACKGROUND_JOB', undefined, { 'Job-UUID': jobUuid, 'Job-Command': 'originate' }, body);

describe('InboundClient', () => {
  it('authenticates and subscribes with CUSTOM last', async () => {
    const { client: c, states } = makeClient({ customSubclasses: ['conference::maintenance'] });
    await c.ready();
    expect(server.commandLines()).toEqual([
      'auth ClueCon',
      'event plain CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE DTMF BACKGROUND_JOB CUSTOM conference::maintenance',
    ]);
    expect(states).toEqual(['connecting', 'ready']);
  });

  it('reports a wrong password as EslAuthFailed, goes down and retries with backoff', async () => {
    const { client: c, records, clock } = makeClient({ password: 'wrong' });
    c.start();
    await waitUntil(() => records.some((r) => r.message === 'ESL connect failed'), 'auth failure');
    expect(records.find((r) => r.message === 'ESL connect failed')).toMatchObject({ level: 'error', error: expect.stringContaining('EslAuthFailed') });
    expect(c.state).toBe('down');
    expect(server.peers).toHaveLength(1);
    await clock.advance(100);
    await waitUntil(() => server.peers.length === 2, 'second attempt');
    expect(EslAuthFailed.name).toBe('EslAuthFailed');
  });

  it('correlates bgapi results by our own Job-UUID', async () => {
    const { client: c } = makeClient();
    await c.ready();
    answerBgapi((_frame, peer, jobUuid) => {
      peer.send(backgroundJob('somebody-elses-job', '+OK not-ours\n'));
      peer.send(backgroundJob(jobUuid, '+OK 42 channels\n'));
    });
    await expect(c.bgapi('show channels count')).resolves.toBe('42 channels');
    const sent = server.peers[0]?.commands.find((f) => f.command?.startsWith('bgapi'));
    expect(sent?.command).toBe('bgapi show channels count');
    expect(sent?.headers.get('Job-UUID')).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.pendingJobs).toBe(0);
  });

  it('originates with a safe dial string and maps -ERR causes to typed failures', async () => {
    const { client: c } = makeClient();
    await c.ready();
    answerBgapi((_frame, peer, jobUuid) => peer.send(backgroundJob(jobUuid, '-ERR USER_BUSY\n')));
    const error = await c
      .originate({ uuid: LEG, gateway: 'carrier', number: '+15550001', callerIdNumber: '5551000', callerIdName: 'Call Back', timeoutSec: 30, socket: { host: '127.0.0.1', port: 8084 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EslCommandFailed);
    expect(error).toMatchObject({ hangupCause: 'USER_BUSY', command: 'originate' });
    const line = server.commandLines().find((l) => l.startsWith('bgapi originate'));
    expect(line).toBe(
      `bgapi originate {origination_uuid=${LEG},origination_caller_id_number=5551000,origination_caller_id_name='Call Back',originate_timeout=30,ignore_early_media=true}sofia/gateway/carrier/+15550001 '&socket(127.0.0.1:8084 async full)'`,
    );
  });

  it('resolves originate with the new leg uuid', async () => {
    const { client: c } = makeClient();
    await c.ready();
    answerBgapi((_frame, peer, jobUuid) => peer.send(backgroundJob(jobUuid, `+OK ${LEG}\n`)));
    await expect(c.originate({ uuid: LEG, gateway: 'carrier', number: '1000', timeoutSec: 30, socket: 'park' })).resolves.toBe(LEG);
  });

  // modesl #58: a lost BACKGROUND_JOB left its listener behind forever.
  it('times out a bgapi whose BACKGROUND_JOB never comes and leaves nothing behind', async () => {
    const { client: c, clock } = makeClient();
    await c.ready();
    let jobUuid = '';
    answerBgapi((_frame, _peer, id) => (jobUuid = id));
    const job = c.bgapi('originate x', { timeoutMs: 10_000 });
    const outcome = expect(job).rejects.toBeInstanceOf(EslTimeout);
    await waitUntil(() => jobUuid !== '', 'bgapi sent');
    expect(c.pendingJobs).toBe(1);
    await clock.advance(10_000);
    await outcome;
    expect(c.pendingJobs).toBe(0);
    server.peers[0]?.send(backgroundJob(jobUuid, '+OK too late\n'));
    await flushAsync();
    expect(c.state).toBe('ready');
  });

  it('aborts a bgapi and forgets its job', async () => {
    const { client: c } = makeClient();
    await c.ready();
    answerBgapi(() => undefined);
    const controller = new AbortController();
    const job = c.bgapi('originate x', { signal: controller.signal });
    controller.abort();
    await expect(job).rejects.toMatchObject({ name: 'AbortError' });
    expect(c.pendingJobs).toBe(0);
  });

  it('fails in-flight jobs at once on a drop, then reconnects, re-authenticates and re-subscribes', async () => {
    const { client: c, clock, states } = makeClient();
    await c.ready();
    answerBgapi(() => undefined);
    const job = c.bgapi('originate x', { timeoutMs: 60_000 });
    await waitUntil(() => server.commandLines().some((l) => l.startsWith('bgapi')), 'bgapi sent');
    server.peers[0]?.socket.resetAndDestroy();
    await expect(job).rejects.toBeInstanceOf(EslDisconnected);
    expect(c.pendingJobs).toBe(0);
    await waitUntil(() => c.state === 'down', 'down');
    await expect(c.bgapi('status')).rejects.toBeInstanceOf(EslDisconnected);
    await clock.advance(99);
    expect(server.peers).toHaveLength(1);
    await clock.advance(1);
    await waitUntil(() => c.state === 'ready', 'ready again');
    expect(server.peers).toHaveLength(2);
    expect(server.peers[1]?.commands.map((f) => f.command?.split(' ')[0])).toEqual(['auth', 'event']);
    expect(states).toEqual(['connecting', 'ready', 'down', 'connecting', 'ready']);
  });

  it('backs off exponentially with jitter while the node stays unreachable', async () => {
    const port = server.port;
    await server.stop();
    const delays: number[] = [];
    const { client: c, clock, records } = makeClient({ random: () => 1, port });
    c.start();
    for (let attempt = 0; attempt < 5; attempt++) {
      await waitUntil(() => records.filter((r) => r.message === 'ESL reconnect scheduled').length > attempt, 'retry scheduled');
      const scheduled = records.filter((r) => r.message === 'ESL reconnect scheduled')[attempt];
      delays.push(Number(scheduled?.delayMs));
      await clock.advance(Number(scheduled?.delayMs));
    }
    // jitter 0.5 with random()=1 halves each delay: 100, 200, 400, 800, then the 1000 cap.
    expect(delays).toEqual([50, 100, 200, 400, 500]);
    server = await FakeInboundServer.start();
  });

  it('dispatches events to listeners and stops for good on close()', async () => {
    const { client: c, clock } = makeClient();
    await c.ready();
    const seen: string[] = [];
    c.on('event', (event) => seen.push(event.name));
    server.peers[0]?.send(eventBytes('CHANNEL_CREATE', LEG));
    await waitUntil(() => seen.length === 1, 'event');
    await c.close();
    expect(server.commandLines().at(-1)).toBe('exit');
    expect(c.state).toBe('down');
    await clock.advance(10_000);
    expect(server.peers).toHaveLength(1);
    client = undefined;
  });

  it('maps api -ERR to EslCommandFailed and returns +OK text', async () => {
    const { client: c } = makeClient();
    await c.ready();
    server.onCommand = (frame, peer) => {
      if (frame.command === 'api nosuchcmd') peer.send(reply.api('-ERR nosuchcmd Command not found!\n'));
      if (frame.command === `api uuid_kill ${LEG}`) peer.send(reply.api('+OK\n'));
    };
    await expect(c.api('nosuchcmd')).rejects.toMatchObject({ name: 'EslCommandFailed', replyText: 'nosuchcmd Command not found!' });
    await expect(c.api(`uuid_kill ${LEG}`)).resolves.toBe('');
  });
});
