import fc from 'fast-check';
import { EslConnection, type CommandTiming } from '../../lib/esl/connection';
import { EslCommandFailed, EslDisconnected, EslTimeout } from '../../lib/esl/errors';
import { FakeTransport, connectReplyBytes, eventBytes, memoryLogger, reply } from '../support/esl-fakes';
import { EslCommandInjectionError, type EslEvent } from '../../lib/esl/wire';
import { ManualClock, flushAsync } from '../../lib/time/clock';

function setup(clock = new ManualClock()) {
  const transport = new FakeTransport();
  const { logger, records } = memoryLogger();
  const connection = new EslConnection(transport, { name: 'test', logger, clock });
  const events: EslEvent[] = [];
  connection.on('event', (event) => events.push(event));
  return { transport, connection, records, events, clock };
}

const errorLogged = (records: Array<{ level: string; message: string; error?: unknown }>, text: RegExp) =>
  records.some((r) => r.level === 'error' && text.test(`${r.message} ${String(r.error)}`));

describe('EslConnection', () => {
  it('writes one command at a time and gives each reply to its own request', async () => {
    const { transport, connection } = setup();
    const first = connection.command('myevents');
    const second = connection.api('status');
    const third = connection.request('command-reply', 'linger');
    await flushAsync();
    expect(transport.commandLines()).toEqual(['myevents']);
    transport.receive(reply.ok('+OK Events Enabled'));
    await expect(first).resolves.toMatchObject({ text: '+OK Events Enabled' });
    await flushAsync();
    expect(transport.commandLines()).toEqual(['myevents', 'api status']);
    transport.receive(reply.api('UP 0 years\n'));
    await expect(second).resolves.toBe('UP 0 years\n');
    transport.receive(reply.err('command not found'));
    await expect(third).resolves.toMatchObject({ ok: false, text: '-ERR command not found' });
  });

  it('writes up to pipelineDepth commands ahead of their replies and gives each reply to the oldest', async () => {
    const transport = new FakeTransport();
    const { logger } = memoryLogger();
    const connection = new EslConnection(transport, { name: 'test', logger, clock: new ManualClock(), pipelineDepth: 2 });
    const first = connection.api('uuid_setvar u1 v 1');
    const second = connection.request('command-reply', 'bgapi originate x', { headers: { 'Job-UUID': 'j1' } });
    const third = connection.api('uuid_setvar u2 v 2');
    await flushAsync();
    expect(transport.commandLines()).toEqual(['api uuid_setvar u1 v 1', 'bgapi originate x']);
    expect(connection.pendingCommands).toBe(3);
    transport.receive(reply.api('+OK\n'));
    await expect(first).resolves.toBe('+OK\n');
    await flushAsync();
    expect(transport.commandLines()).toEqual(['api uuid_setvar u1 v 1', 'bgapi originate x', 'api uuid_setvar u2 v 2']);
    transport.receive(Buffer.concat([reply.ok('+OK Job-UUID: j1'), reply.api('-ERR No such channel!\n')]));
    await expect(second).resolves.toMatchObject({ text: '+OK Job-UUID: j1' });
    await expect(third).resolves.toBe('-ERR No such channel!\n');
    expect(connection.pendingCommands).toBe(0);
  });

  it('writes pipelined commands at once whatever the window, and holds a command behind them that is not pipelined', async () => {
    const transport = new FakeTransport();
    const { logger } = memoryLogger();
    const connection = new EslConnection(transport, { name: 'test', logger, clock: new ManualClock() });
    const connected = connection.request('channel-data', 'connect');
    const myevents = connection.command('myevents', { pipelined: true });
    const linger = connection.command('linger', { pipelined: true });
    const getvar = connection.command('getvar x');
    const late = connection.command('event plain DTMF', { pipelined: true });
    await flushAsync();
    expect(transport.commandLines()).toEqual(['connect', 'myevents', 'linger']);
    transport.receive(connectReplyBytes('u1'));
    await connected;
    await flushAsync();
    // getvar waits for the window (one command), and what comes after it waits behind it.
    expect(transport.commandLines()).toEqual(['connect', 'myevents', 'linger']);
    transport.receive(Buffer.concat([reply.ok('+OK Events Enabled'), reply.ok('+OK will linger')]));
    await expect(Promise.all([myevents, linger])).resolves.toMatchObject([{ text: '+OK Events Enabled' }, { text: '+OK will linger' }]);
    await flushAsync();
    expect(transport.commandLines()).toEqual(['connect', 'myevents', 'linger', 'getvar x', 'event plain DTMF']);
    transport.receive(Buffer.concat([reply.ok('+OK 1'), reply.ok('+OK event listener enabled plain')]));
    await expect(getvar).resolves.toMatchObject({ text: '+OK 1' });
    await expect(late).resolves.toMatchObject({ ok: true });
  });

  it('writes the commands of one tick in one write, in order, and none of them once the connection closed', async () => {
    const transport = new FakeTransport();
    const writes: Buffer[] = [];
    const write = transport.write.bind(transport);
    transport.write = (data) => (writes.push(data), write(data));
    const { logger } = memoryLogger();
    const connection = new EslConnection(transport, { name: 'test', logger, clock: new ManualClock(), pipelineDepth: 4 });
    const replies = ['a', 'b', 'c'].map((name) => connection.api(`uuid_exists ${name}`));
    expect(writes).toHaveLength(0);
    await new Promise(process.nextTick);
    expect(writes).toHaveLength(1);
    expect(transport.commandLines()).toEqual(['api uuid_exists a', 'api uuid_exists b', 'api uuid_exists c']);
    transport.receive(Buffer.concat([reply.api('true'), reply.api('false'), reply.api('true')]));
    await expect(Promise.all(replies)).resolves.toEqual(['true', 'false', 'true']);

    const unwritten = connection.api('uuid_exists d');
    connection.close();
    await expect(unwritten).rejects.toBeInstanceOf(EslDisconnected);
    await flushAsync();
    expect(writes).toHaveLength(1);
  });

  it('gives each pipelined command the time it waited to be written and for its reply', async () => {
    const transport = new FakeTransport();
    const { logger } = memoryLogger();
    const clock = new ManualClock();
    const timings: CommandTiming[] = [];
    const connection = new EslConnection(transport, { name: 'test', logger, clock, onReply: (timing) => timings.push(timing) });
    const first = connection.api('status');
    const second = connection.command('myevents');
    await clock.advance(30);
    transport.receive(reply.api('UP\n'));
    await first;
    await clock.advance(5);
    transport.receive(reply.ok('+OK'));
    await second;
    expect(timings).toEqual([
      { label: 'api status', queuedMs: 0, wireMs: 30 },
      { label: 'myevents', queuedMs: 30, wireMs: 5 },
    ]);
  });

  it('rejects -ERR replies of command() with EslCommandFailed', async () => {
    const { transport, connection } = setup();
    const pending = connection.command('myevents');
    transport.receive(reply.err('aready enabled.'));
    await expect(pending).rejects.toEqual(expect.objectContaining({ name: 'EslCommandFailed', replyText: 'aready enabled.' }));
    await expect(pending).rejects.toBeInstanceOf(EslCommandFailed);
  });

  it('refuses a command with a line break before writing anything', async () => {
    const { transport, connection } = setup();
    await expect(connection.command('api originate 1\n\nexit')).rejects.toBeInstanceOf(EslCommandInjectionError);
    expect(transport.commands).toHaveLength(0);
  });

  // modesl #72: FIFO callbacks shift when a reply arrives with nothing queued.
  it('closes on an unsolicited reply instead of handing it to the next request', async () => {
    const { transport, connection, records } = setup();
    transport.receive(reply.ok('+OK stray'));
    const later = connection.command('myevents');
    await expect(later).rejects.toBeInstanceOf(EslDisconnected);
    expect(connection.isClosed).toBe(true);
    expect(transport.commands).toHaveLength(0);
    expect(errorLogged(records, /unsolicited command-reply/)).toBe(true);
  });

  it('closes on a reply of the wrong kind (api/response for a command)', async () => {
    const { transport, connection, records } = setup();
    const pending = connection.command('myevents');
    const queued = connection.command('linger');
    transport.receive(reply.api('+OK'));
    await expect(pending).rejects.toBeInstanceOf(EslDisconnected);
    await expect(queued).rejects.toBeInstanceOf(EslDisconnected);
    expect(errorLogged(records, /expected command-reply for "myevents", got api-response/)).toBe(true);
  });

  // ESL-NOTES §7.1: decodeURIComponent throws on these and takes the process down.
  it('delivers an event whose header has a malformed %XX or Latin-1 bytes', async () => {
    const { transport, connection, events } = setup();
    const latin1 = Buffer.from('Event-Name: CHANNEL_ANSWER\nUnique-ID: u1\nCaller-Caller-ID-Name: M\xfcller %ZZ 100%\nvariable_x: M%FCl\n\n', 'latin1');
    transport.receive(Buffer.concat([Buffer.from(`Content-Length: ${latin1.length}\nContent-Type: text/event-plain\n\n`), latin1]));
    expect(events).toHaveLength(1);
    expect(events[0]?.headers.get('Caller-Caller-ID-Name')).toContain('%ZZ 100%');
    expect(events[0]?.headers.get('variable_x')).toBe('Mül');
    expect(connection.isClosed).toBe(false);
  });

  it.each([
    ['a bad Content-Length', 'Content-Type: api/response\nContent-Length: 12x\n\nabc'],
    ['garbage without a header name', 'this is not ESL\n\n'],
    ['an unknown Content-Type', 'Content-Type: text/html\n\n'],
    ['an event body that is not an event', 'Content-Length: 5\nContent-Type: text/event-plain\n\nnope\n'],
  ])('closes the connection with a log line on %s', async (_what, bytes) => {
    const { transport, connection, records } = setup();
    const pending = connection.api('status');
    expect(() => transport.receive(bytes)).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(EslDisconnected);
    expect(connection.isClosed).toBe(true);
    expect(transport.destroyed).toBe(true);
    expect(records.some((r) => r.level === 'error' && /protocol error/.test(r.message))).toBe(true);
  });

  it('logs a truncated body when the peer closes mid-frame', async () => {
    const { transport, connection, records } = setup();
    const pending = connection.api('status');
    transport.receive('Content-Type: api/response\nContent-Length: 100\n\nonly a few bytes');
    transport.endByPeer();
    await expect(pending).rejects.toBeInstanceOf(EslDisconnected);
    expect(records.some((r) => r.level === 'warn' && r.unparsedBytes === 16)).toBe(true);
  });

  // modesl #84: only 'end' was watched; a reset emits 'error' + 'close' and callbacks hung forever.
  it('detects a TCP reset and rejects every pending command with EslDisconnected', async () => {
    const { transport, connection } = setup();
    const inFlight = connection.command('myevents');
    const queued = connection.api('status');
    const closeInfo = connection.closed;
    transport.resetByPeer();
    await expect(inFlight).rejects.toBeInstanceOf(EslDisconnected);
    await expect(queued).rejects.toBeInstanceOf(EslDisconnected);
    await expect(closeInfo).resolves.toMatchObject({ reason: expect.stringContaining('ECONNRESET') });
    await expect(connection.command('linger')).rejects.toBeInstanceOf(EslDisconnected);
  });

  it('keeps the slot of an aborted in-flight command so its late reply is not shifted', async () => {
    const { transport, connection } = setup();
    const controller = new AbortController();
    const aborted = connection.command('api slow', { signal: controller.signal });
    const next = connection.command('myevents');
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    transport.receive(reply.ok('+OK slow done'));
    await flushAsync();
    expect(transport.commandLines()).toEqual(['api slow', 'myevents']);
    transport.receive(reply.ok('+OK Events Enabled'));
    await expect(next).resolves.toMatchObject({ text: '+OK Events Enabled' });
  });

  it('drops an aborted command that was never written', async () => {
    const { transport, connection } = setup();
    const first = connection.command('myevents');
    const controller = new AbortController();
    const second = connection.command('linger', { signal: controller.signal });
    controller.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    transport.receive(reply.ok());
    await first;
    await flushAsync();
    expect(transport.commandLines()).toEqual(['myevents']);
    expect(connection.pendingCommands).toBe(0);
  });

  it('times a command out on the clock', async () => {
    const { connection, clock } = setup();
    const pending = connection.command('myevents', { timeoutMs: 1000 });
    const outcome = expect(pending).rejects.toBeInstanceOf(EslTimeout);
    await clock.advance(999);
    expect(connection.pendingCommands).toBe(1);
    await clock.advance(1);
    await outcome;
    expect(clock.pending).toBe(0);
  });

  describe('quiet timeout', () => {
    /** Lets the timeout decide: it does so in the check phase, after the poll phase. */
    const checkPhase = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

    it('times a command out once the peer has sent nothing at all for that long', async () => {
      const { connection, clock } = setup();
      const pending = connection.api('uuid_setvar u1 v 1', { quietTimeoutMs: 1000 });
      let failure: unknown;
      pending.catch((error: unknown) => (failure = error));
      await clock.advance(999);
      await checkPhase();
      expect(failure).toBeUndefined();
      await clock.advance(1);
      await checkPhase();
      await flushAsync();
      expect(failure).toBeInstanceOf(EslTimeout);
      expect(clock.pending).toBe(0);
    });

    it('waits for a command behind others on a busy link as long as the peer keeps sending, then times out on its silence', async () => {
      const transport = new FakeTransport();
      const { logger } = memoryLogger();
      const clock = new ManualClock();
      const connection = new EslConnection(transport, { name: 'test', logger, clock });
      const ahead = connection.api('status');
      const proof = connection.api('uuid_setvar u1 v 1', { quietTimeoutMs: 1000 });
      let outcome: unknown;
      proof.then(
        (body) => (outcome = body),
        (error: unknown) => (outcome = error),
      );
      for (let i = 0; i < 5; i += 1) {
        await clock.advance(900);
        transport.receive(eventBytes('HEARTBEAT', undefined, {}));
        await checkPhase();
      }
      expect(outcome).toBeUndefined();
      transport.receive(reply.api('UP\n'));
      await ahead;
      await flushAsync();
      expect(transport.commandLines()).toEqual(['api status', 'api uuid_setvar u1 v 1']);
      await clock.advance(999);
      await checkPhase();
      expect(outcome).toBeUndefined();
      await clock.advance(1);
      await checkPhase();
      await flushAsync();
      expect(outcome).toBeInstanceOf(EslTimeout);
    });

    it('takes a reply read in the same loop turn as the deadline, not the timeout', async () => {
      // Timers fired by hand, in one synchronous run, as Node fires those due after a long turn.
      let now = 0;
      const due: Array<() => void> = [];
      const clock = { now: () => now, setTimeout: (callback: () => void) => (due.push(callback), { cancel: () => undefined }) };
      const transport = new FakeTransport();
      const connection = new EslConnection(transport, { name: 'test', logger: memoryLogger().logger, clock });
      const proof = connection.api('uuid_setvar u1 v 1', { quietTimeoutMs: 1000 });
      await flushAsync();
      now = 5_000;
      due.splice(0).forEach((fire) => fire());
      // The poll phase then reads the reply that came meanwhile, before the check phase decides.
      transport.receive(reply.api('+OK\n'));
      await checkPhase();
      await expect(proof).resolves.toBe('+OK\n');
      expect(due).toEqual([]);
    });
  });

  it('survives a throwing event listener', () => {
    const { transport, connection, events, records } = setup();
    connection.on('event', () => {
      throw new Error('listener bug');
    });
    expect(() => transport.receive(eventBytes('DTMF', 'u1', { 'DTMF-Digit': '5' }))).not.toThrow();
    expect(events).toHaveLength(1);
    expect(connection.isClosed).toBe(false);
    expect(records.some((r) => /listener threw/.test(r.message))).toBe(true);
  });

  it('never throws out of the socket data handler, whatever the bytes and splits', () => {
    const valid = Buffer.concat([
      reply.ok('+OK accepted'),
      eventBytes('CHANNEL_ANSWER', 'u1', { 'Caller-Caller-ID-Name': 'A%2 B' }),
      reply.api('+OK\n'),
      eventBytes('BACKGROUND_JOB', undefined, { 'Job-UUID': 'j' }, '-ERR USER_BUSY\n'),
    ]);
    const garbage = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(valid), garbage), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 20 }), (pieces, cuts) => {
        const { transport, connection } = setup();
        void connection.command('auth x').catch(() => undefined);
        void connection.api('status').catch(() => undefined);
        const stream = Buffer.concat(pieces);
        let start = 0;
        for (const cut of cuts.map((c) => (stream.length === 0 ? 0 : c % stream.length)).sort((a, b) => a - b)) {
          expect(() => transport.receive(stream.subarray(start, cut))).not.toThrow();
          start = cut;
        }
        expect(() => transport.receive(stream.subarray(start))).not.toThrow();
        expect(() => transport.resetByPeer()).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
