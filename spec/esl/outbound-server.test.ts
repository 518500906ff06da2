import type { CallSession } from '../../lib/esl/call-session';
import { CallEnded } from '../../lib/esl/errors';
import { OutboundServer, type PeerPolicy, type SessionHandler } from '../../lib/esl/outbound-server';
import type { Admission } from '../../lib/esl/socket-admission';
import { connect, type Socket } from 'node:net';
import { FakeOutboundCall, connectReplyBytes, eventBytes, memoryLogger, reply, waitUntil } from '../support/esl-fakes';
import { FrameParser } from '../../lib/esl/wire';

const A = 'a0000000-0000-4000-8000-000000000001';
const B = 'b0000000-0000-4000-8000-000000000002';

let server: OutboundServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function listen(handler: SessionHandler) {
  const { logger, records } = memoryLogger();
  server = await OutboundServer.listen({ port: 0, logger, handler, hangupCompleteWaitMs: 500 });
  return { server, records };
}

describe('OutboundServer', () => {
  it('hands each call to the handler after the handshake, then hangs it up and exits when the handler returns', async () => {
    const seen: Array<{ uuid: string; caller: string | undefined }> = [];
    const { server: s } = await listen(async (session) => {
      seen.push({ uuid: session.uuid, caller: session.callerIdNumber });
    });
    const call = await FakeOutboundCall.connect(s.address.port, A);
    await call.waitFor((f) => f.command === 'exit');
    expect(call.commandLines()).toEqual(['connect', 'myevents', 'linger', 'event plain BACKGROUND_JOB PLAYBACK_START PLAYBACK_STOP RECORD_START RECORD_STOP', 'sendmsg', 'exit']);
    expect(call.commands[4]?.headers.get('hangup-cause')).toBe('NORMAL_CLEARING');
    expect(seen).toEqual([{ uuid: A, caller: '79261234567' }]);
    await waitUntil(() => s.sessions.size === 0, 'session released');
  });

  it('logs a failing handler, hangs the call up, and keeps serving', async () => {
    const { server: s, records } = await listen(async (session) => {
      if (session.uuid === A) throw new Error('handler bug');
    });
    const bad = await FakeOutboundCall.connect(s.address.port, A);
    const hangup = await bad.waitFor((f) => f.headers.get('call-command') === 'hangup');
    expect(hangup.headers.get('hangup-cause')).toBe('NORMAL_TEMPORARY_FAILURE');
    expect(records.some((r) => r.level === 'error' && r.message === 'call handler failed; hanging up' && /handler bug/.test(String(r.error)))).toBe(true);
    const good = await FakeOutboundCall.connect(s.address.port, B);
    await good.waitFor((f) => f.command === 'exit');
  });

  it('survives a handler that throws synchronously', async () => {
    const { server: s } = await listen(((): Promise<void> => {
      throw new Error('sync bug');
    }) as SessionHandler);
    const call = await FakeOutboundCall.connect(s.address.port, A);
    await call.waitFor((f) => f.headers.get('call-command') === 'hangup');
  });

  // modesl #84: a reset left the session and its callbacks hanging.
  it('ends the session on a TCP reset mid-step: the step rejects with CallEnded', async () => {
    let failure: unknown;
    let started!: () => void;
    const playing = new Promise<void>((resolve) => (started = resolve));
    const { server: s } = await listen(async (session) => {
      const playback = session.playback('/p/long.wav');
      started();
      failure = await playback.catch((e: unknown) => e);
    });
    const call = await FakeOutboundCall.connect(s.address.port, A);
    await playing;
    await call.waitFor((f) => f.headers.get('execute-app-name') === 'playback');
    call.socket.resetAndDestroy();
    await waitUntil(() => failure !== undefined, 'playback rejected');
    expect(failure).toBeInstanceOf(CallEnded);
    expect(failure).toMatchObject({ reason: 'disconnected' });
    await waitUntil(() => s.sessions.size === 0, 'session released');
  });

  it('rejects a pending digit collection when the caller hangs up', async () => {
    let failure: unknown;
    const { server: s } = await listen(async (session) => {
      failure = await session.playAndGetDigits({ min: 4, max: 4, tries: 3, timeoutMs: 5000, file: '/p/pin.wav' }).catch((e: unknown) => e);
    });
    const call = await FakeOutboundCall.connect(s.address.port, A);
    await call.waitFor((f) => f.headers.get('execute-app-name') === 'play_and_get_digits');
    call.send(eventBytes('DTMF', A, { 'DTMF-Digit': '1' }));
    call.hangup('NORMAL_CLEARING');
    await call.waitFor((f) => f.command === 'exit');
    expect(failure).toMatchObject({ name: 'CallEnded', reason: 'hangup', hangupCause: 'NORMAL_CLEARING', step: 'play_and_get_digits' });
  });

  it('close() disconnects live sessions and stops accepting calls', async () => {
    let session: CallSession | undefined;
    let outcome: unknown;
    const { server: s } = await listen(async (current) => {
      session = current;
      outcome = await current.playback('/p/forever.wav').catch((e: unknown) => e);
    });
    const port = s.address.port;
    const call = await FakeOutboundCall.connect(port, A);
    await call.waitFor((f) => f.headers.get('execute-app-name') === 'playback');
    expect(s.sessions.size).toBe(1);
    await s.close();
    server = undefined;
    expect(call.commandLines().at(-1)).toBe('exit');
    expect(outcome).toBeInstanceOf(CallEnded);
    expect(session?.isEnded).toBe(true);
    await expect(FakeOutboundCall.connect(port, B)).rejects.toThrow();
  });

  it('disconnects a call whose handshake finishes after close() began, without running its handler', async () => {
    let handled = false;
    const { server: s } = await listen(async () => {
      handled = true;
    });
    const { socket, lines } = fakeSwitchCall(s.address.port, (line, write) => {
      if (line === 'connect') write(connectReplyBytes(A));
      if (line === 'myevents') write(reply.ok('+OK Events Enabled'));
      if (line === 'exit') socket.end(reply.bye(A));
    });
    await waitUntil(() => lines.includes('linger'), 'linger sent');
    const closing = s.close();
    server = undefined;
    socket.write(reply.ok('+OK will linger'));
    await waitUntil(() => lines.some((l) => l.startsWith('event ')), 'event sent');
    socket.write(reply.ok('+OK event listener enabled plain'));
    await closing;
    expect(lines.at(-1)).toBe('exit');
    expect(handled).toBe(false);
  });
  it('writes myevents, linger and event together once connect is answered, without waiting for their replies', async () => {
    const { server: s } = await listen(async () => undefined);
    const { socket, lines } = fakeSwitchCall(s.address.port, (line, write) => {
      if (line === 'connect') write(connectReplyBytes(A));
    });
    await waitUntil(() => lines.length === 4, 'the handshake written');
    expect(lines).toEqual(['connect', 'myevents', 'linger', 'event plain BACKGROUND_JOB PLAYBACK_START PLAYBACK_STOP RECORD_START RECORD_STOP']);
    socket.destroy();
  });

  it('tells onArrival of a socket once connect names its channel, and lets go right after the handler was called or the session refused', async () => {
    const { logger } = memoryLogger();
    const steps: string[] = [];
    const admissions = new Map<string, (admission: Admission) => void>();
    const peers: PeerPolicy = {
      allows: () => true,
      admit: (session) => new Promise((resolve) => admissions.set(session.uuid, resolve)),
    };
    server = await OutboundServer.listen({
      port: 0,
      logger,
      peers,
      hangupCompleteWaitMs: 500,
      onArrival: (uuid) => {
        steps.push(`arrived ${uuid}`);
        return () => steps.push(`let go ${uuid}`);
      },
      handler: async (session) => {
        steps.push(`handler ${session.uuid}`);
      },
    });
    const admitted = await FakeOutboundCall.connect(server.address.port, A);
    await waitUntil(() => admissions.has(A), 'admission asked');
    expect(steps).toEqual([`arrived ${A}`]);
    admissions.get(A)?.({ admitted: true, node: 'fs1' });
    await admitted.waitFor((f) => f.command === 'exit');
    expect(steps).toEqual([`arrived ${A}`, `handler ${A}`, `let go ${A}`]);

    const refused = await FakeOutboundCall.connect(server.address.port, B);
    await waitUntil(() => admissions.has(B), 'admission asked');
    admissions.get(B)?.({ admitted: false, reason: 'not ours' });
    await refused.closed;
    await waitUntil(() => steps.length === 5, 'let go');
    expect(steps.slice(3)).toEqual([`arrived ${B}`, `let go ${B}`]);
  });

  it('says it is drained only once every socket taken in has named its channel: one still before connect holds it', async () => {
    const steps: string[] = [];
    const { server: s } = await listen(async () => undefined);
    await s.drained();
    let answerConnect: () => void = () => undefined;
    const { socket, lines } = fakeSwitchCall(s.address.port, (line, write) => {
      if (line === 'connect') answerConnect = () => write(connectReplyBytes(A));
    });
    await waitUntil(() => lines.includes('connect'), 'connect sent');
    const drained = s.drained().then(() => steps.push('drained'));
    // Turns go by with nothing else to accept: the socket accepted still has to name its channel.
    for (let turn = 0; turn < 5; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(steps).toEqual([]);
    steps.push('connect answered');
    answerConnect();
    await drained;
    expect(steps).toEqual(['connect answered', 'drained']);
    socket.destroy();
  });
});

/** A raw socket playing FreeSWITCH's side of an outbound call: each command line the server writes is kept and answered by `answer`. */
function fakeSwitchCall(port: number, answer: (line: string, write: (bytes: string | Buffer) => void) => void): { socket: Socket; lines: string[] } {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const parser = new FrameParser({ commands: true });
  const lines: string[] = [];
  socket.on('data', (chunk) => {
    for (const frame of parser.push(chunk)) {
      const line = frame.command ?? '';
      lines.push(line);
      answer(line, (bytes) => socket.write(bytes));
    }
  });
  return { socket, lines };
}
