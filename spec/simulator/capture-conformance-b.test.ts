/**
 * Replays captures 10–12 (conference, recording, and what reaches a bridged leg: sendmsg,
 * uuid_broadcast, uuid_transfer, att_xfer) by their timelines (replayTimeline in
 * capture-replay.ts) and compares both connections with the capture, as capture-conformance.test.ts
 * does for the others.
 *
 * Races (RaceOrders) are set to the order each capture's run took: B killed out of A's `bridge`
 * reached the inbound connection with B's CHANNEL_HANGUP_COMPLETE before A's CHANNEL_UNBRIDGE in
 * 12a–12b2 and 12d, after it in 05 and 11b.
 */
import type { RaceOrders } from '../../lib/simulator';
import type { EslTestClient } from './esl-test-client';
import { capture, expectConformsToInbound, expectConformsToSocket, harness, replayTimeline, teardown, type Comparison } from './capture-replay';

interface ReplayOptions extends Comparison {
  races?: Partial<RaceOrders>;
}

async function expectReplayConforms(name: string, phones: string[], options: ReplayOptions = {}): Promise<void> {
  const cap = capture(name);
  const h = await harness(phones, { races: options.races ?? {} });
  const clients: EslTestClient[] = [];
  try {
    const { inbound, socket } = await replayTimeline(h, cap, options);
    clients.push(inbound, ...(socket ? [socket] : []));
    expectConformsToInbound(cap, inbound.frames, options);
    if (socket) expectConformsToSocket(cap, socket.frames, options);
  } finally {
    // A replay that failed half-way leaves its connections to the simulator's stop.
    await teardown(h, clients);
  }
}

const peerCompletesFirst: Partial<RaceOrders> = { bridgePeerLeaves: 'peer-hangup-complete-first' };

/**
 * Capture 10's conference::maintenance events that need media the simulator does not have: talk
 * detection (start-talking, floor-change) and the conference's own sounds (play-file-done). The
 * `list` flags `talking` and `floor` come from the same talk detection.
 */
const conferenceWithoutMedia: Comparison = {
  modelled: (event) => !['start-talking', 'floor-change', 'play-file-done'].includes(event.headers.get('Action') ?? ''),
  reply: (text) => text.replace(/\|talking|\|floor/g, ''),
};

describe('capture conformance: conference, recording, a bridged leg', () => {
  it('10-conference: socket leg in a conference, two bgdials, list, kick all', async () => {
    await expectReplayConforms('10-conference', ['1000', '1001', '1002'], conferenceWithoutMedia);
  });

  it.each([
    ['12a-bridge-sendmsg-playback', 'sendmsg playback queued until the locked bridge ends'],
    ['12a2-bridge-sendmsg-playback-nolock', 'sendmsg playback during the bridge, no UNBRIDGE, the bridge completes with FILE PLAYED'],
    ['12b-bridge-uuid-broadcast', 'uuid_broadcast queued until the locked bridge ends, with an Application-UUID of its own'],
    ['12b2-bridge-uuid-broadcast-nolock', 'uuid_broadcast during the bridge'],
    ['12d-bridge-att-xfer', 'att_xfer queued behind the locked bridge, then a plain A–C call'],
  ])('%s: %s', async (name) => {
    await expectReplayConforms(name, ['1000', '1001'], { races: peerCompletesFirst });
  });

  it('12c-bridge-uuid-transfer-bleg-of-B: A moved inline out of its socket application, Other-Leg-* cleared', async () => {
    await expectReplayConforms('12c-bridge-uuid-transfer-bleg-of-B', ['1000']);
  });

  it('12c2-bridge-uuid-transfer-bleg-of-A: B parked, A stays under the socket', async () => {
    await expectReplayConforms('12c2-bridge-uuid-transfer-bleg-of-A', ['1000']);
  });

  it('11a-recording-uuid-record: RECORD_START/STOP on both connections while bridged', async () => {
    await expectReplayConforms('11a-recording-uuid-record', ['1000']);
  });

  it('11b-recording-record-session: RECORD_START inside record_session, RECORD_STOP inside stop_record_session', async () => {
    await expectReplayConforms('11b-recording-record-session', ['1000']);
  });
});
