import { CallEnded, EslInvalidArgument } from '../../lib/esl/errors';
import { acceptOutbound, type OutboundSessionOptions } from '../../lib/esl/outbound-handshake';
import { FakeTransport, connectReplyBytes, eventBytes, memoryLogger, reply } from '../support/esl-fakes';
import type { EslFrame } from '../../lib/esl/wire';
import { ManualClock, flushAsync } from '../../lib/time/clock';

const UUID = '1401aef6-2464-4d25-8b74-0ee11039e554';

function standardReplies(frame: EslFrame): Buffer | undefined {
  const command = frame.command ?? '';
  if (command === 'connect') return connectReplyBytes(UUID);
  if (command === 'myevents') return reply.ok('+OK Events Enabled');
  if (command === 'linger') return reply.ok('+OK will linger');
  if (command.startsWith('event ')) return reply.ok('+OK event listener enabled plain');
  if (command === 'sendmsg') return reply.ok();
  if (command === 'exit') return reply.bye(UUID);
  if (command.startsWith('api ')) return reply.api('+OK\n');
  return undefined;
}

async function start(options: Partial<OutboundSessionOptions> = {}, replies = standardReplies) {
  const transport = new FakeTransport();
  const clock = new ManualClock();
  const { logger, records } = memoryLogger();
  transport.autoReply((frame) => {
    const bytes = replies(frame);
    // A real FreeSWITCH closes after the goodbye.
    if (frame.command === 'exit') setImmediate(() => setImmediate(() => transport.endByPeer()));
    return bytes;
  });
  const session = await acceptOutbound(transport, { logger, clock, hangupCompleteWaitMs: 3_000, ...options });
  const lastSendmsg = (): EslFrame => {
    const frame = [...transport.commands].reverse().find((f) => f.command === 'sendmsg');
    if (!frame) throw new Error('no sendmsg sent');
    return frame;
  };
  const complete = (frame: EslFrame, extra: Record<string, string> = {}) =>
    transport.receive(
      eventBytes('CHANNEL_EXECUTE_COMPLETE', UUID, {
        'Channel-State': 'CS_EXECUTE',
        Application: frame.headers.get('execute-app-name'),
        'Application-Data': frame.headers.get('execute-app-arg'),
        'Application-Response': '_none_',
        'Application-UUID': frame.headers.get('Event-UUID'),
        ...extra,
      }),
    );
  const sent = async (): Promise<EslFrame> => {
    await flushAsync();
    return lastSendmsg();
  };
  return { transport, clock, session, records, complete, sent };
}

function hangupEvents(cause = 'NORMAL_CLEARING'): { hangup: Buffer; complete: Buffer } {
  return {
    hangup: eventBytes('CHANNEL_HANGUP', UUID, { 'Answer-State': 'hangup', 'Hangup-Cause': cause }),
    complete: eventBytes('CHANNEL_HANGUP_COMPLETE', UUID, { 'Answer-State': 'hangup', 'Hangup-Cause': cause, variable_billsec: '0' }),
  };
}

describe('CallSession', () => {
  it('performs the outbound handshake in order and exposes the channel data', async () => {
    const { transport, session } = await start();
    expect(transport.commandLines()).toEqual(['connect', 'myevents', 'linger', 'event plain BACKGROUND_JOB PLAYBACK_START PLAYBACK_STOP RECORD_START RECORD_STOP']);
    expect(session.uuid).toBe(UUID);
    expect(session.callerIdNumber).toBe('79261234567');
    expect(session.destinationNumber).toBe('8000');
    expect(session.variable('uuid')).toBe(UUID);
    expect(session.answered).toBe(false);
    expect(session.lingering).toBe(true);
  });

  it('matches each execute to its CHANNEL_EXECUTE_COMPLETE by Event-UUID, not by order', async () => {
    const { session, complete, sent, transport } = await start();
    const playback = session.playback('/prompts/a.wav');
    const playFrame = await sent();
    const dtmf = session.sendDtmf('12#');
    const dtmfFrame = await sent();
    expect(playFrame.headers.get('Event-UUID')).not.toBe(dtmfFrame.headers.get('Event-UUID'));
    expect(playFrame.headers.get('event-lock')).toBe('true');
    transport.receive(eventBytes('CHANNEL_EXECUTE_COMPLETE', UUID, { Application: 'playback', 'Application-UUID': 'someone-else' }));
    complete(dtmfFrame);
    await expect(dtmf).resolves.toBeUndefined();
    let settled = false;
    void playback.finally(() => (settled = true));
    await flushAsync();
    expect(settled).toBe(false);
    complete(playFrame, { 'Application-Response': 'FILE PLAYED' });
    await expect(playback).resolves.toBe('FILE PLAYED');
  });

  it('collects digits with play_and_get_digits and reads them from the completion', async () => {
    const { session, complete, sent } = await start();
    const digits = session.playAndGetDigits({ min: 1, max: 5, tries: 1, timeoutMs: 5000, terminators: '#', file: '/p/pin.wav', regexp: '\\d+' });
    const frame = await sent();
    expect(frame.headers.get('execute-app-arg')).toBe('1 5 1 5000 # /p/pin.wav silence_stream://250 cb_digits_1 \\d+ 5000');
    complete(frame, { variable_cb_digits_1: '123' });
    await expect(digits).resolves.toBe('123');
  });

  it('refuses arguments that would add words or lines, before sending', async () => {
    const { session, transport } = await start();
    const before = transport.commands.length;
    await expect(session.playback('/p/a.wav\nsendmsg')).rejects.toBeInstanceOf(EslInvalidArgument);
    await expect(session.playback('/p/a b.wav')).rejects.toBeInstanceOf(EslInvalidArgument);
    await expect(session.sendDtmf('1;2')).rejects.toBeInstanceOf(EslInvalidArgument);
    await expect(session.sayNumber(1.5)).rejects.toBeInstanceOf(EslInvalidArgument);
    expect(transport.commands.length).toBe(before);
  });

  it('says numbers, money and durations with the say application', async () => {
    const { session, complete, sent } = await start();
    const args: Array<string | undefined> = [];
    for (const say of [() => session.sayNumber(42), () => session.sayMoney(12.5), () => session.sayDuration(125)]) {
      const done = say();
      const frame = await sent();
      args.push(frame.headers.get('execute-app-arg'));
      complete(frame);
      await done;
    }
    expect(args).toEqual(['en number pronounced 42', 'en currency pronounced 12.50', 'en time_measurement pronounced 125']);
  });

  it('rejects a pending playback with CallEnded on CHANNEL_HANGUP, and exits only after HANGUP_COMPLETE', async () => {
    const { session, transport, sent } = await start();
    const playback = session.playback('/prompts/long.wav');
    await sent();
    const { hangup, complete } = hangupEvents();
    transport.receive(hangup);
    const error = await playback.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallEnded);
    expect(error).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING', step: 'playback' });
    await expect(session.answer()).rejects.toBeInstanceOf(CallEnded);
    transport.receive(reply.linger(UUID));
    await flushAsync();
    expect(transport.commandLines()).not.toContain('exit');
    transport.receive(complete);
    const summary = await session.finished;
    expect(transport.commandLines().at(-1)).toBe('exit');
    expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'NORMAL_CLEARING' });
    expect(summary.hangupComplete?.headers.get('variable_billsec')).toBe('0');
  });

  it('sends exit after a while when HANGUP_COMPLETE never comes', async () => {
    const { session, transport, clock } = await start();
    transport.receive(hangupEvents('USER_BUSY').hangup);
    transport.receive(reply.linger(UUID));
    await clock.advance(2_999);
    expect(transport.commandLines()).not.toContain('exit');
    await clock.advance(1);
    const summary = await session.finished;
    expect(transport.commandLines().at(-1)).toBe('exit');
    expect(summary).toMatchObject({ hangupCause: 'USER_BUSY', hangupComplete: undefined });
  });

  it('ends on a TCP reset: pending steps reject with CallEnded (disconnected)', async () => {
    const { session, transport, sent } = await start();
    const bridge = session.bridge('{origination_uuid=x}sofia/gateway/carrier/1000');
    const frame = await sent();
    expect(frame.headers.get('event-lock')).toBeUndefined();
    transport.resetByPeer();
    await expect(bridge).rejects.toMatchObject({ name: 'CallEnded', reason: 'disconnected', hangupCause: undefined });
    await expect(session.ended).resolves.toEqual({ reason: 'disconnected', hangupCause: undefined });
    await expect(session.finished).resolves.toMatchObject({ reason: 'disconnected', hangupComplete: undefined });
  });

  it('rejects a step whose sendmsg was never answered when the socket drops', async () => {
    const { session, transport } = await start({}, (frame) => (frame.command === 'sendmsg' ? undefined : standardReplies(frame)));
    const answer = session.answer();
    await flushAsync();
    transport.resetByPeer();
    await expect(answer).rejects.toBeInstanceOf(CallEnded);
  });

  it('reject() hangs up an unanswered call with the cause and never answers', async () => {
    const { session, transport, sent } = await start();
    const rejected = session.reject('USER_BUSY');
    const frame = await sent();
    expect(frame.headers.get('call-command')).toBe('hangup');
    expect(frame.headers.get('hangup-cause')).toBe('USER_BUSY');
    transport.receive(hangupEvents('USER_BUSY').hangup);
    await expect(rejected).resolves.toEqual({ reason: 'hangup', hangupCause: 'USER_BUSY' });
    expect(transport.commands.some((f) => f.headers.get('execute-app-name') === 'answer')).toBe(false);
    await expect(session.hangup('NORMAL_CLEARING')).resolves.toMatchObject({ hangupCause: 'USER_BUSY' });
  });

  it('accepts Q.850 numbers for hangup causes and refuses unknown ones', async () => {
    const { session, sent } = await start();
    void session.hangup(21);
    expect((await sent()).headers.get('hangup-cause')).toBe('CALL_REJECTED');
    await expect(session.hangup(9999)).rejects.toBeInstanceOf(EslInvalidArgument);
  });

  it('detects the socket application ending while the socket stays open (12c)', async () => {
    const { session, transport, sent } = await start();
    const playback = session.playback('/p/a.wav');
    await sent();
    const released: string[] = [];
    session.on('control-released', (event) => released.push(event.headers.get('Application') ?? ''));
    transport.receive(eventBytes('CHANNEL_EXECUTE_COMPLETE', UUID, { Application: 'socket', 'Application-UUID': 'fs-made', 'Answer-State': 'answered' }));
    await expect(playback).rejects.toMatchObject({ reason: 'control-released' });
    expect(session.controlReleased).toBe(true);
    expect(session.isEnded).toBe(false);
    expect(released).toEqual(['socket']);
    await expect(session.answer()).rejects.toBeInstanceOf(CallEnded);
  });

  it('resolves transfer() when the transfer ends the socket application', async () => {
    const { session, transport, sent } = await start();
    const transfer = session.transfer('9000', { dialplan: 'XML', context: 'default' });
    expect((await sent()).headers.get('execute-app-arg')).toBe('9000 XML default');
    transport.receive(eventBytes('CHANNEL_EXECUTE_COMPLETE', UUID, { Application: 'socket', 'Application-UUID': 'fs-made' }));
    await expect(transfer).resolves.toBeUndefined();
  });

  it('streams DTMF in order to listeners and to an async iterator that ends with the call', async () => {
    const { session, transport } = await start();
    const heard: string[] = [];
    session.onDtmf((digit) => heard.push(digit));
    const iterated: string[] = [];
    const loop = (async () => {
      for await (const digit of session.dtmf()) iterated.push(digit);
    })();
    for (const digit of ['#', '#', '5', '*', '8']) transport.receive(eventBytes('DTMF', UUID, { 'DTMF-Digit': digit, 'DTMF-Source': 'RTP' }));
    await flushAsync();
    transport.receive(hangupEvents().hangup);
    await loop;
    expect(heard).toEqual(['#', '#', '5', '*', '8']);
    expect(iterated).toEqual(['#', '#', '5', '*', '8']);
  });

  it('aborts a playback at once and interrupts it with uuid_break', async () => {
    const { session, transport, sent } = await start();
    const controller = new AbortController();
    const playback = session.playback('/p/long.wav', { signal: controller.signal });
    await sent();
    controller.abort();
    await expect(playback).rejects.toMatchObject({ name: 'AbortError' });
    await flushAsync();
    expect(transport.commandLines()).toContain(`api uuid_break ${UUID} all`);
  });

  it('a step queued behind an aborted one fails once uuid_break all has flushed it (FreeSWITCH never runs or completes it); one already running still completes', async () => {
    const { session, transport, sent, complete } = await start();
    const controller = new AbortController();
    const playback = session.playback('/p/long.wav', { signal: controller.signal });
    const playing = await sent();
    transport.receive(eventBytes('CHANNEL_EXECUTE', UUID, { Application: 'playback', 'Application-UUID': playing.headers.get('Event-UUID') }));
    const bridge = session.execute('bridge', 'sofia/gateway/carrier/+12025550202');
    const bridging = await sent();
    transport.receive(eventBytes('CHANNEL_EXECUTE', UUID, { Application: 'bridge', 'Application-UUID': bridging.headers.get('Event-UUID') }));
    const queued = session.execute('set', 'after=1');
    await sent();
    controller.abort();
    await expect(playback).rejects.toMatchObject({ name: 'AbortError' });
    await expect(queued).rejects.toMatchObject({ name: 'EslCommandFailed', replyText: 'dropped from the queue by uuid_break all' });
    complete(bridging);
    await expect(bridge).resolves.toMatchObject({ application: 'bridge' });
  });

  it('reads variables with getvar and reports unset ones as undefined', async () => {
    const { session } = await start({}, (frame) => {
      if (frame.command === 'getvar pin') return reply.ok('1234');
      if (frame.command === 'getvar nothing') return reply.err('command not found');
      return standardReplies(frame);
    });
    await expect(session.getVariable('pin')).resolves.toBe('1234');
    await expect(session.getVariable('nothing')).resolves.toBeUndefined();
    await expect(session.getVariable('bad name')).rejects.toBeInstanceOf(EslInvalidArgument);
  });

  it('reports the outcome of a bridge from its completion', async () => {
    const { session, complete, sent } = await start();
    const busy = session.bridge('sofia/gateway/carrier/2000');
    complete(await sent(), { variable_originate_disposition: 'USER_BUSY' });
    await expect(busy).resolves.toMatchObject({ bridged: false, hangupCause: 'USER_BUSY' });
    const talked = session.bridge('sofia/gateway/carrier/1000');
    complete(await sent(), { variable_originate_disposition: 'SUCCESS', variable_bridge_hangup_cause: 'NORMAL_CLEARING' });
    await expect(talked).resolves.toMatchObject({ bridged: true, hangupCause: 'NORMAL_CLEARING' });
    // The channel keeps the last bridge's bridge_hangup_cause; a failed dial after it reports its own cause.
    const again = session.bridge('sofia/gateway/carrier/3000');
    complete(await sent(), { variable_originate_disposition: 'NO_ANSWER', variable_bridge_hangup_cause: 'NORMAL_CLEARING' });
    await expect(again).resolves.toMatchObject({ bridged: false, hangupCause: 'NO_ANSWER' });
  });

  it('tracks answer state and the latest channel variables', async () => {
    const { session, transport } = await start();
    transport.receive(eventBytes('CHANNEL_ANSWER', UUID, { 'Answer-State': 'answered', variable_foo: 'bar' }));
    await flushAsync();
    expect(session.answered).toBe(true);
    expect(session.variable('foo')).toBe('bar');
    transport.receive(eventBytes('CHANNEL_ANSWER', 'another-leg', { variable_foo: 'other' }));
    expect(session.variable('foo')).toBe('bar');
  });

  it('keeps working without linger when FreeSWITCH refuses it', async () => {
    const { session } = await start({}, (frame) => (frame.command === 'linger' ? reply.err('command not found') : standardReplies(frame)));
    expect(session.lingering).toBe(false);
  });
});

