/**
 * Capture replays, part A (#16 item 5): the ordering races FreeSWITCH plays either way (04d, 07c,
 * 14), DTMF while bridged (06, 06b, 06c, 06c2) and bgapi from an outbound socket (13). Each
 * replay runs the simulator with the race options that reproduce the capture's order and compares
 * the streams as capture-conformance.test.ts does (capture-replay.ts).
 */
import type { EslEvent } from '../../lib/esl/wire';
import { capture, expectConformsToInbound, expectConformsToSocket, harness, replayOriginate, sendTx, teardown } from './capture-replay';
import { appEvent } from './sim-fixture';

const jobs = (n: number) => (event: EslEvent, events: readonly EslEvent[]) => event.name === 'BACKGROUND_JOB' && events.filter((e) => e.name === 'BACKGROUND_JOB').length === n;

describe('capture conformance, part A', () => {
  it('07c-nolinger-hangup-complete-lost: without linger, the disconnect notice follows UNPARK and HANGUP_COMPLETE is lost on the socket', async () => {
    const cap = capture('07c-nolinger-hangup-complete-lost');
    const h = await harness(['5000'], { races: { unlingeredHangupComplete: 'lost' } });
    const { inbound, socket, tx } = await replayOriginate(h, cap, 5);
    await socket.event(appEvent('CHANNEL_EXECUTE', 'playback'));
    await h.clock.advance(5000);
    await socket.closed;
    await inbound.event('CHANNEL_HANGUP_COMPLETE');
    sendTx(inbound, tx[5]);
    await inbound.closed;

    expectConformsToInbound(cap, inbound.frames);
    expectConformsToSocket(cap, socket.frames);
    await teardown(h, [inbound, socket]);
  });

  it('13-bgapi-from-socket: BACKGROUND_JOB reaches the socket only after event plain BACKGROUND_JOB, with Job-Owner-UUID', async () => {
    const cap = capture('13-bgapi-from-socket');
    const h = await harness(['1000', '1001']);
    const { inbound, socket, tx, stx } = await replayOriginate(h, cap, 7, 3);
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
    await teardown(h, [inbound, socket]);
  });
});
