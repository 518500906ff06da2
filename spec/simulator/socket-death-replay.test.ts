/**
 * Replays captures 08a–08c: the controller's outbound socket dies (RST) while its leg is parked,
 * bridged, or bridged after `resume`. What the inbound observer sees from the simulator must be
 * what it saw from FreeSWITCH: the same replies (uuid_exists true/false), and the same events in
 * the same order (a parked leg hung up at once; a bridge left alone until a party hangs up; with
 * resume, the bridge torn down at once).
 */
import type { EslEvent } from '../../lib/esl/wire';
import { capture, expectConformsToInbound, harness, replayOriginate, sendTx, teardown, type Harness, type TxCommand } from './capture-replay';
import { EslTestClient } from './esl-test-client';

/** Up to and including the bgapi originate: auth, three filters, the event subscription. */
const INBOUND_SETUP = 6;

let current: Replay | undefined;

interface Replay {
  h: Harness;
  inbound: EslTestClient;
  socket: EslTestClient;
  tx: TxCommand[];
}

/** The inbound set-up and every command the capture sent on the socket, awaiting `until` after the last. */
async function replayUntilDrop(name: string, until: (event: EslEvent) => boolean): Promise<Replay> {
  const cap = capture(name);
  const h = await harness(['1000']);
  const { inbound, socket, tx } = await replayOriginate(h, cap, INBOUND_SETUP);
  await socket.event(until);
  await inbound.event('BACKGROUND_JOB');
  current = { h, inbound, socket, tx };
  return current;
}

/** Sends the inbound commands from `from` on, one reply each, then `exit`. */
async function finishInbound(replay: Replay, from: number): Promise<void> {
  const rest = replay.tx.slice(from);
  for (const command of rest.slice(0, -1)) {
    sendTx(replay.inbound, command);
    await replay.inbound.reply();
  }
  sendTx(replay.inbound, rest[rest.length - 1]);
  await replay.inbound.closed;
}

const hangupCompleteOf = (uuid: string | undefined) => (event: EslEvent) => event.name === 'CHANNEL_HANGUP_COMPLETE' && event.headers.get('Unique-ID') === uuid;

describe('capture replay: the controller’s socket dies', () => {
  afterEach(async () => {
    if (current) await teardown(current.h, [current.inbound, current.socket]);
    current = undefined;
  });

  it('08a: a parked leg is hung up at once with NORMAL_CLEARING, and uuid_exists says false', async () => {
    const replay = await replayUntilDrop('08a-socket-dropped-parked', (event) => event.name === 'CHANNEL_PARK');
    replay.socket.close();
    await replay.inbound.event('CHANNEL_HANGUP_COMPLETE');
    await replay.h.clock.advance(10_000);
    await finishInbound(replay, INBOUND_SETUP);

    const simulated = expectConformsToInbound(capture('08a-socket-dropped-parked'), replay.inbound.frames);
    expect(simulated.replies.filter((reply) => reply === 'false')).toHaveLength(2);
  });

  it('08b: a bridged talk survives its dead controller until a party hangs up, then A is hung up too', async () => {
    const replay = await replayUntilDrop('08b-socket-dropped-bridged', (event) => event.name === 'CHANNEL_BRIDGE');
    const a = replay.socket.events()[0]?.headers.get('Unique-ID');
    const b = replay.socket.events().find((event) => event.name === 'CHANNEL_BRIDGE')?.headers.get('Other-Leg-Unique-ID');
    replay.socket.close();
    await replay.socket.closed;
    await replay.h.clock.advance(10_000);
    await replay.inbound.settle();
    expect([replay.h.sim.channel(a ?? '')?.answerState, replay.h.sim.channel(b ?? '')?.answerState]).toEqual(['answered', 'answered']);
    // uuid_exists A, uuid_exists B: both still there; then uuid_kill B ends the talk.
    for (const command of replay.tx.slice(INBOUND_SETUP, INBOUND_SETUP + 3)) {
      sendTx(replay.inbound, command);
      await replay.inbound.reply();
    }
    await replay.inbound.event(hangupCompleteOf(a));
    await replay.inbound.event(hangupCompleteOf(b));
    await replay.h.clock.advance(3_000);
    await finishInbound(replay, INBOUND_SETUP + 3);

    const simulated = expectConformsToInbound(capture('08b-socket-dropped-bridged'), replay.inbound.frames);
    expect(simulated.replies.filter((reply) => reply === 'true' || reply === 'false')).toEqual(['true', 'true', 'false']);
    expect(replay.h.sim.channel(a ?? '')?.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('08c: after resume, a dead controller’s bridge is torn down at once, B first', async () => {
    const replay = await replayUntilDrop('08c-socket-dropped-bridged-resume', (event) => event.name === 'CHANNEL_BRIDGE');
    const a = replay.socket.events()[0]?.headers.get('Unique-ID');
    replay.socket.close();
    await replay.inbound.event(hangupCompleteOf(a));
    await replay.h.clock.advance(10_000);
    await finishInbound(replay, INBOUND_SETUP);

    const simulated = expectConformsToInbound(capture('08c-socket-dropped-bridged-resume'), replay.inbound.frames);
    expect(simulated.replies.filter((reply) => reply === 'true' || reply === 'false')).toEqual(['false', 'false']);
  });
});
