import type { CallSession, CallSummary } from '../../lib/esl/call-session';
import { CallEnded } from '../../lib/esl/errors';
import { acceptOutbound, type OutboundSessionOptions } from '../../lib/esl/outbound-handshake';
import { FakeTransport, memoryLogger } from '../support/esl-fakes';
import { FrameParser, type EslFrame } from '../../lib/esl/wire';
import { ManualClock, flushAsync } from '../../lib/time/clock';
import { loadCaptures, type Capture } from './capture-fixtures';

const captures = new Map(loadCaptures().map((capture) => [capture.scenario, capture]));

function capture(scenario: string): Capture {
  const found = captures.get(scenario);
  if (!found) throw new Error(`capture ${scenario} missing`);
  return found;
}

function sentByCaptureClient(scenario: string): EslFrame[] {
  return new FrameParser({ commands: true }).push(capture(scenario).tx('socket'));
}

/**
 * Plays FreeSWITCH's side of a recorded outbound-socket connection to our session. Events go out
 * as recorded; each reply waits until our side has sent the command it answers, so the session
 * must issue the same command sequence as the capture client did. Executes reuse the recorded
 * Event-UUIDs, so the recorded completions match our requests.
 */
class Replay {
  readonly transport = new FakeTransport();
  readonly clock = new ManualClock();
  readonly done: Promise<void>;
  private readonly frames: Array<{ bytes: Buffer; reply: boolean }>;
  private repliesFed = 0;
  private commandArrived: (() => void) | undefined;

  constructor(readonly scenario: string) {
    const recorded = capture(scenario);
    const rx = recorded.rx('socket');
    this.frames = (recorded.received.get('socket') ?? []).map((frame) => ({
      bytes: rx.subarray(frame.offset, frame.offset + frame.length),
      reply: /^(command\/reply|api\/response)/.test(frame.summary),
    }));
    this.transport.on('command', () => this.commandArrived?.());
    this.done = this.run();
  }

  async start(options: Partial<OutboundSessionOptions> = {}): Promise<CallSession> {
    const eventUuids = sentByCaptureClient(this.scenario)
      .map((frame) => frame.headers.get('Event-UUID'))
      .filter((uuid): uuid is string => uuid !== undefined);
    const { logger } = memoryLogger();
    return acceptOutbound(this.transport, {
      logger,
      clock: this.clock,
      hangupCompleteWaitMs: 3_000,
      newUuid: () => eventUuids.shift() ?? 'no-more-recorded-uuids',
      ...options,
    });
  }

  get fedAll(): boolean {
    return this.frames.length === 0;
  }

  private async run(): Promise<void> {
    for (;;) {
      const next = this.frames[0];
      if (!next) break;
      if (next.reply && this.transport.commands.length <= this.repliesFed) {
        await new Promise<void>((resolve) => (this.commandArrived = resolve));
        continue;
      }
      this.frames.shift();
      if (next.reply) this.repliesFed++;
      this.transport.receive(next.bytes);
      await flushAsync();
    }
    this.transport.endByPeer();
  }
}

/** Our sendmsg frames must carry what the capture client sent (header order included). */
function expectSameSendmsgs(replay: Replay, ignore: (frame: EslFrame) => string[] = () => []): void {
  const strip = (frame: EslFrame) => frame.headers.entries().filter(([name]) => !ignore(frame).includes(name));
  const ours = replay.transport.commands.filter((frame) => frame.command === 'sendmsg').map(strip);
  const theirs = sentByCaptureClient(replay.scenario)
    .filter((frame) => frame.command === 'sendmsg')
    .map(strip);
  expect(ours).toEqual(theirs);
}

describe('CallSession replaying FreeSWITCH captures', () => {
  it('05: callback IVR — answer, PIN, bridge, playback, hangup; exit after HANGUP_COMPLETE', async () => {
    const replay = new Replay('05-callback-ivr-bridge');
    const session = await replay.start();
    expect(session.answered).toBe(true);
    await session.answer();
    const pin = await session.playAndGetDigits({
      min: 1,
      max: 5,
      tries: 1,
      timeoutMs: 5000,
      terminators: '#',
      file: '/usr/local/freeswitch/sounds/prompts/tone_1khz_1s.wav',
      variableName: 'pin',
    });
    expect(pin).toBe('123');
    await session.setVariable('ringback', '%(2000,4000,440,480)');
    const bridge = await session.bridge('{origination_uuid=a619fa22-3dba-4935-ba44-8ae7a7c6a5ce}sofia/gateway/carrier/1000', { eventLock: true });
    expect(bridge).toMatchObject({ bridged: true, hangupCause: 'NORMAL_CLEARING', response: '_none_' });
    await expect(session.playback('/usr/local/freeswitch/sounds/prompts/goodbye.wav')).resolves.toBe('FILE PLAYED');
    await expect(session.hangup('NORMAL_CLEARING')).resolves.toEqual({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING' });
    const summary: CallSummary = await session.finished;
    await replay.done;
    expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING', controlReleased: false });
    expect(summary.hangupComplete?.headers.get('variable_billsec')).toBeDefined();
    expect(replay.transport.commandLines().at(-1)).toBe('exit');
    expect(replay.fedAll).toBe(true);
    expectSameSendmsgs(replay, (frame) => (frame.headers.get('execute-app-name') === 'play_and_get_digits' ? ['execute-app-arg'] : []));
  });

  it('07a: hangup mid-playback with linger — CallEnded, linger notice before HANGUP_COMPLETE, which is still seen', async () => {
    const replay = new Replay('07a-hangup-mid-playback-linger');
    const session = await replay.start({ events: false });
    const playback = session.playback('/usr/share/asterisk/sounds/en_US_f_Allison/demo-congrats.wav');
    await expect(playback).rejects.toMatchObject({ name: 'CallEnded', reason: 'hangup', hangupCause: 'NORMAL_CLEARING' });
    const summary = await session.finished;
    await replay.done;
    expect(summary.hangupComplete).toBeDefined();
    expect(summary.hangupCause).toBe('NORMAL_CLEARING');
    expect(replay.transport.commandLines()).toEqual(sentByCaptureClient(replay.scenario).map((f) => f.command));
    expectSameSendmsgs(replay);
  });

  it('07c: without linger HANGUP_COMPLETE is lost; the session still ends cleanly on the disconnect', async () => {
    const replay = new Replay('07c-nolinger-hangup-complete-lost');
    const session = await replay.start({ linger: false, events: false });
    await expect(session.playback('/usr/share/asterisk/sounds/en_US_f_Allison/demo-congrats.wav')).rejects.toBeInstanceOf(CallEnded);
    const summary = await session.finished;
    await replay.done;
    expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING', hangupComplete: undefined });
    expect(replay.transport.commandLines()).toEqual(['connect', 'myevents', 'sendmsg']);
    expect(replay.clock.pending).toBe(0);
  });

  it.each([
    ['04-access-reject', 'USER_BUSY'],
    ['04c-access-call-rejected', 'CALL_REJECTED'],
  ] as const)('%s: rejects the access call unanswered with %s', async (scenario, cause) => {
    const replay = new Replay(scenario);
    const session = await replay.start({ events: false });
    expect(session.answered).toBe(false);
    await expect(session.reject(cause)).resolves.toEqual({ reason: 'hangup', hangupCause: cause });
    const summary = await session.finished;
    await replay.done;
    expect(summary.hangupComplete?.headers.get('Hangup-Cause')).toBe(cause);
    expect(session.answered).toBe(false);
    expect(replay.transport.commandLines()).toEqual(sentByCaptureClient(scenario).map((f) => f.command));
    expectSameSendmsgs(replay);
  });

  it('04d: a linger notice before HANGUP_COMPLETE does not trigger exit; exit waits (then times out)', async () => {
    const replay = new Replay('04d-access-reject-exit-at-linger');
    const session = await replay.start({ events: false });
    await session.reject('USER_BUSY');
    for (let i = 0; i < 20; i++) await flushAsync();
    expect(replay.transport.commandLines()).not.toContain('exit');
    await replay.clock.advance(3_000);
    const summary = await session.finished;
    await replay.done;
    expect(replay.transport.commandLines().at(-1)).toBe('exit');
    expect(summary).toMatchObject({ hangupCause: 'USER_BUSY', hangupComplete: undefined });
  });

  it('12c: the socket application ends while the socket stays open; control is released, the call later ends', async () => {
    const replay = new Replay('12c-bridge-uuid-transfer-bleg-of-B');
    const session = await replay.start({ events: ['PLAYBACK_START', 'PLAYBACK_STOP'] });
    const released = new Promise((resolve) => session.on('control-released', resolve));
    const bridge = await session.bridge('{origination_uuid=2bfca238-addc-4114-8538-ec60bcf0217a}sofia/gateway/carrier/1000', { eventLock: true });
    expect(bridge.bridged).toBe(true);
    await released;
    expect(session.controlReleased).toBe(true);
    expect(session.isEnded).toBe(false);
    await expect(session.playback('/x.wav')).rejects.toMatchObject({ reason: 'control-released' });
    const summary = await session.finished;
    await replay.done;
    expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING', controlReleased: true });
    expect(summary.hangupComplete).toBeDefined();
    expectSameSendmsgs(replay);
  });

  it('14: a socket switched to event json is driven the same way', async () => {
    const replay = new Replay('14-socket-json');
    const session = await replay.start();
    expect(session.answered).toBe(false);
    await session.answer();
    expect(session.answered).toBe(true);
    await expect(session.playback('/usr/local/freeswitch/sounds/prompts/tone_1khz_1s.wav')).resolves.toBe('FILE PLAYED');
    await session.hangup();
    const summary = await session.finished;
    await replay.done;
    expect(summary).toMatchObject({ hangupCause: 'NORMAL_CLEARING' });
    expect(summary.hangupComplete).toBeDefined();
    expectSameSendmsgs(replay);
  });
});
