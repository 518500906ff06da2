/**
 * Capture replays, part A (#16 item 5): the ordering races FreeSWITCH plays either way (04d, 07c,
 * 14), DTMF while bridged (06, 06b, 06c, 06c2) and bgapi from an outbound socket (13). Each
 * replay runs the simulator with the race options that reproduce the capture's order and compares
 * the streams as capture-conformance.test.ts does (capture-replay.ts).
 */
import type { EslEvent } from '../../lib/esl/wire';
import {
  capture,
  expectConformsToAccessInbound,
  expectConformsToInbound,
  expectConformsToSocket,
  harness,
  replayAccessCall,
  replayOriginate,
  sendTx,
  teardown,
  type Harness,
  type Replayed,
} from './capture-replay';
import { appEvent } from './sim-fixture';

const jobs = (n: number) => (event: EslEvent, events: readonly EslEvent[]) => event.name === 'BACKGROUND_JOB' && events.filter((e) => e.name === 'BACKGROUND_JOB').length === n;

describe('capture conformance, part A', () => {
  // Torn down after each test, so that a failed replay does not leave the simulator running.
  let running: { h: Harness; replay?: Replayed } | undefined;
  afterEach(async () => {
    if (running) await teardown(running.h, running.replay ? [running.replay.inbound, running.replay.socket] : []);
    running = undefined;
  });
  const start = async (phones: string[], options: Parameters<typeof harness>[1] = {}): Promise<Harness> => {
    running = { h: await harness(phones, options) };
    return running.h;
  };
  const replayed = <R extends Replayed>(replay: R): R => {
    if (running) running.replay = replay;
    return replay;
  };

  it('04d-access-reject-exit-at-linger: the linger notice right after CHANNEL_HANGUP, exit on it loses CS_REPORTING and HANGUP_COMPLETE', async () => {
    const cap = capture('04d-access-reject-exit-at-linger');
    const h = await start([], { lingerNotice: 'after-hangup', races: { lingeredReporting: 'after-controller-command' } });
    const { inbound, socket, tx, stx, s } = replayed(await replayAccessCall(h, cap, 2, 4));
    await socket.notice();
    sendTx(socket, stx[4]);
    await socket.closed;
    await inbound.event('CHANNEL_HANGUP_COMPLETE');
    sendTx(inbound, tx[3]);
    await inbound.closed;

    expectConformsToAccessInbound(cap, inbound.frames, s);
    expectConformsToSocket(cap, socket.frames);
  });

  it('14-socket-json: event json after myevents turns every later event on the socket to JSON, CHANNEL_PARK included', async () => {
    const cap = capture('14-socket-json');
    const h = await start([], { lingerNotice: 'after-hangup-complete', races: { socketPark: 'at-first-sendmsg' } });
    const { inbound, socket, tx, stx, s } = replayed(await replayAccessCall(h, cap, 4, 5));
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'answer'));
    sendTx(socket, stx[5]);
    await socket.reply();
    await h.clock.advance(1000);
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'playback'));
    sendTx(socket, stx[6]);
    await socket.reply();
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    await socket.notice();
    sendTx(socket, stx[7]);
    await socket.closed;
    sendTx(inbound, tx[5]);
    await inbound.closed;

    expect(socket.frames.filter((f) => f.headers.get('Content-Type') === 'text/event-plain')).toEqual([]);
    expectConformsToAccessInbound(cap, inbound.frames, s);
    expectConformsToSocket(cap, socket.frames);
  });

  // The 7000 phone sends ##5 four seconds after the answer and *8 a second later; A is bridged to B
  // (1000) by then. After the digits (and 06c2's nested playback) B is killed from the inbound
  // connection, then the socket hangs A up. B's HANGUP_COMPLETE came before A's UNBRIDGE in all four.
  // In 06 alone A's socket application started before the BACKGROUND_JOB went out.
  it.each([
    ['06-dtmf-during-bridge', 'DTMF on A, forwarded to B', 4, 'before-result', '##5*8'],
    ['06b-dtmf-bridge-filter', 'bridge_filter_dtmf=true: DTMF on A, nothing forwarded', 5, 'after-result', ''],
    ['06c-dtmf-bind-meta-app', 'bind_meta_app swallows *8, its playback queued behind the event-locked bridge', 6, 'after-result', '##5'],
    ['06c2-dtmf-bind-meta-app-nolock', 'bind_meta_app swallows *8, its playback runs inside the unlocked bridge, B on hold', 6, 'after-result', '##5'],
  ] as const)('%s: %s', async (name, _what, beforeHangup, originatedApplication, forwarded) => {
    const cap = capture(name);
    const h = await start(['7000', '1000'], { races: { bridgePeerLeaves: 'peer-hangup-complete-first', originatedApplication } });
    const { inbound, socket, tx, stx } = replayed(await replayOriginate(h, cap, 3, beforeHangup));
    const b = stx[beforeHangup - 1]?.headers['execute-app-arg']?.match(/origination_uuid=([0-9a-f-]+)/)?.[1];
    await socket.event('CHANNEL_BRIDGE');
    await h.clock.advance(9000);
    sendTx(inbound, tx[3]);
    await inbound.reply();
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'bridge'));
    await h.clock.advance(4000);
    sendTx(socket, stx[beforeHangup]);
    await socket.reply();
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    await socket.notice();
    sendTx(socket, stx[beforeHangup + 1]);
    await socket.closed;
    await inbound.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') !== b);
    sendTx(inbound, tx[4]);
    await inbound.closed;

    // Forwarded digits show only on the far end of B (B' in the capture), which the simulator plays.
    expect(h.sim.channel(b ?? '')?.dtmfReceived.join('')).toBe(forwarded);
    expectConformsToSocket(cap, socket.frames);
    expectConformsToInbound(cap, inbound.frames);
  });

  it('07c-nolinger-hangup-complete-lost: without linger, the disconnect notice follows UNPARK and HANGUP_COMPLETE is lost on the socket', async () => {
    const cap = capture('07c-nolinger-hangup-complete-lost');
    const h = await start(['5000'], { races: { unlingeredHangupComplete: 'lost' } });
    const { inbound, socket, tx } = replayed(await replayOriginate(h, cap, 5));
    await socket.event(appEvent('CHANNEL_EXECUTE', 'playback'));
    await h.clock.advance(5000);
    await socket.closed;
    await inbound.event('CHANNEL_HANGUP_COMPLETE');
    sendTx(inbound, tx[5]);
    await inbound.closed;

    expectConformsToInbound(cap, inbound.frames);
    expectConformsToSocket(cap, socket.frames);
  });

  it('13-bgapi-from-socket: BACKGROUND_JOB reaches the socket only after event plain BACKGROUND_JOB, with Job-Owner-UUID', async () => {
    const cap = capture('13-bgapi-from-socket');
    const h = await start(['1000', '1001']);
    const { inbound, socket, tx, stx } = replayed(await replayOriginate(h, cap, 7, 3));
    await socket.event('CHANNEL_PARK');
    const inboundJobs = (n: number) => (e: EslEvent) => jobs(n)(e, inbound.events());
    sendTx(socket, stx[3]);
    await socket.reply();
    await inbound.event(inboundJobs(2));
    for (const index of [4, 5]) {
      sendTx(socket, stx[index]);
      await socket.reply();
    }
    await socket.event('BACKGROUND_JOB');
    await inbound.event(inboundJobs(3));
    // FreeSWITCH's two kills, sent 1 ms apart, completed C2 before C1 (their threads race); the
    // simulator completes them in the order it gets them, so they are replayed in the recorded order.
    for (const index of [7, 6]) {
      sendTx(socket, stx[index]);
      await socket.reply();
    }
    sendTx(socket, stx[8]);
    await socket.reply();
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    await socket.notice();
    sendTx(socket, stx[9]);
    await socket.closed;
    await inbound.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && inbound.eventNames().filter((n) => n === 'CHANNEL_HANGUP_COMPLETE').length === 3);
    sendTx(inbound, tx[7]);
    await inbound.closed;

    const job = socket.events().find((e) => e.name === 'BACKGROUND_JOB');
    expect(job?.headers.get('Job-Owner-UUID')).toBe(tx[6]?.command.match(/origination_uuid=([0-9a-f-]+)/)?.[1]);
    expectConformsToInbound(cap, inbound.frames);
    expectConformsToSocket(cap, socket.frames);
  });
});
