import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EslEvent } from '../../lib/esl/wire';
import { wavDurationMs } from '../../lib/features/wav';
import type { EslTestClient } from './esl-test-client';
import { appEvent, sendExecute, startSim, type SimFixture } from './sim-fixture';
import { checkEventLayout } from './template-layout';

const S = 'c0000000-0000-4000-8000-0000000000aa';


/** Runs an application on the socket's leg and returns its CHANNEL_EXECUTE_COMPLETE. */
async function execute(socket: EslTestClient, name: string, arg = ''): Promise<EslEvent> {
  await sendExecute(socket, name, arg);
  return socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', name));
}

describe('simulator applications', () => {
  let f: SimFixture;
  beforeEach(async () => {
    f = await startSim({
      phones: { '1000': { kind: 'answer' }, '2000': { kind: 'busy' }, '9000': { kind: 'answer', faxTone: true } },
      missingFiles: ['/sounds/missing.wav'],
    });
  });
  afterEach(() => f.stop());

  it('records with record_session / stop_record_session (RECORD_START inside the execute), leaving the WAV file on its host', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-simrec-'));
    const file = path.join(dir, 'rec', 'a.wav');
    const { uuid, socket } = await f.callWithSocket('1000', { events: 'RECORD_START RECORD_STOP' });
    await sendExecute(socket, 'record_session', file);
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'record_session'));
    await f.clock.advance(3040);
    const stopped = await execute(socket, 'stop_record_session', file);
    expect(stopped.headers.get('variable_record_ms')).toBe('3040');
    expect(socket.eventNames().slice(-6)).toEqual([
      'CHANNEL_EXECUTE',
      'RECORD_START',
      'CHANNEL_EXECUTE_COMPLETE',
      'CHANNEL_EXECUTE',
      'RECORD_STOP',
      'CHANNEL_EXECUTE_COMPLETE',
    ]);
    const stop = socket.events().find((e) => e.name === 'RECORD_STOP');
    expect([stop?.headers.get('Record-File-Path'), stop?.headers.get('Record-Completion-Cause')]).toEqual([file, 'success-maxtime']);
    expect(f.sim.channel(uuid)?.recordings).toEqual([{ path: file, via: 'record_session', startedAt: expect.any(Number), stoppedAt: expect.any(Number) }]);
    // As FreeSWITCH's capture 11b: 8 kHz 16-bit mono, the size the record_* variables report.
    const written = fs.readFileSync(file);
    expect(String(written.length)).toBe(stopped.headers.get('variable_record_file_size'));
    expect(written.length).toBe(44 + 3040 * 16);
    expect(wavDurationMs(written, written.length)).toBe(3040);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records with uuid_record, and stops a recording at hangup', async () => {
    const control = await f.watcher();
    const { uuid } = await f.callWithSocket('1000');
    expect(await control.api(`uuid_record ${uuid} start /rec/b.wav`)).toBe('+OK Success\n');
    await control.event('RECORD_START');
    expect(await control.api(`uuid_record ${uuid} stop /rec/b.wav`)).toBe('+OK Success\n');
    await control.event('RECORD_STOP');
    await control.api(`uuid_record ${uuid} start /rec/c.wav`);
    f.sim.hangup(uuid);
    await control.event('RECORD_STOP');
    const order = control.eventNames(uuid);
    expect(order.slice(order.lastIndexOf('RECORD_STOP'))).toEqual(['RECORD_STOP', 'CHANNEL_STATE', 'CHANNEL_STATE', 'CHANNEL_HANGUP_COMPLETE']);
  });

  it('joins a conference and leaves it when kicked (conference::maintenance)', async () => {
    const control = await f.inbound();
    await control.request('event plain CUSTOM conference::maintenance');
    const { uuid, socket } = await f.callWithSocket('1000', { events: 'CUSTOM conference::maintenance' });
    await sendExecute(socket, 'conference', 'cbtest@default');
    const added = await socket.event((e) => e.headers.get('Action') === 'add-member');
    expect([added.headers.get('Conference-Name'), added.headers.get('Member-ID'), added.headers.get('Conference-Size'), added.headers.get('Unique-ID')]).toEqual(['cbtest', '1', '1', uuid]);
    expect(await control.api('conference cbtest list')).toMatch(new RegExp(`^1;sofia/internal/1000;${uuid};`));
    expect(await control.api('conference cbtest kick all')).toBe('+OK kicked 1\n');
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'conference'));
    await control.event((e) => e.headers.get('Action') === 'conference-destroy');
    expect(control.events().map((e) => e.headers.get('Action'))).toEqual(['conference-create', 'add-member', 'kick-member', 'del-member', 'conference-destroy']);
    for (const event of control.events()) {
      expect(checkEventLayout(event)).toBeUndefined();
      expect(event.headers.names()[0]).toBe('Event-Subclass');
    }
    expect(await control.api('conference nosuch list')).toBe('-ERR Conference nosuch not found\n');
  });

  it('dials members in with bgdial: +OK Job-UUID, bgdial-result, the leg joins; a failed dial reports its cause and joins no one', async () => {
    const control = await f.inbound();
    await control.request('event plain CUSTOM conference::maintenance');
    const { uuid, socket } = await f.callWithSocket('1000');
    await sendExecute(socket, 'conference', 'cbtest@default');
    await control.event((e) => e.headers.get('Action') === 'add-member');
    const b = 'c0000000-0000-4000-8000-0000000000bb';
    const answered = await control.api(`conference cbtest bgdial {origination_uuid=${b}}sofia/gateway/carrier/1000`);
    const job = /^\+OK Job-UUID: ([0-9a-f-]{36})\n$/.exec(answered)?.[1];
    const result = await control.event((e) => e.headers.get('Action') === 'bgdial-result');
    expect([result.headers.get('Result'), result.headers.get('Job-UUID'), result.headers.get('Peer-UUID'), result.headers.get('Conference-Size')]).toEqual(['SUCCESS', job, b, '1']);
    const joined = await control.event((e) => e.headers.get('Action') === 'add-member');
    expect([joined.headers.get('Unique-ID'), joined.headers.get('Member-ID'), joined.headers.get('Conference-Size')]).toEqual([b, '2', '2']);
    expect(joined.headers.get('Caller-Orig-Caller-ID-Name')).toBe('FreeSWITCH');

    await control.api('conference cbtest bgdial sofia/gateway/carrier/2000');
    const failed = await control.event((e) => e.headers.get('Action') === 'bgdial-result');
    expect([failed.headers.get('Result'), failed.headers.has('Peer-UUID')]).toEqual(['USER_BUSY', false]);
    expect(f.sim.conferenceMembers('cbtest')).toEqual([uuid, b]);

    expect(await control.api('conference cbtest list')).toMatch(new RegExp(`^2;sofia/internal/1000;${b};1000;1000;hear\\|speak;0;0;100\n1;sofia/internal/1000;${uuid};`));
    expect(await control.api('conference cbtest kick 2')).toBe('+OK kicked 2\n');
    await control.event((e) => e.headers.get('Action') === 'del-member');
    expect(f.sim.conferenceMembers('cbtest')).toEqual([uuid]);
  });

  it('answers FILE NOT FOUND for a file the switch does not have, playing nothing', async () => {
    const { socket } = await f.callWithSocket('1000', { events: 'PLAYBACK_START PLAYBACK_STOP' });
    const done = await execute(socket, 'playback', '/sounds/missing.wav');
    expect(done.headers.get('Application-Response')).toBe('FILE NOT FOUND');
    expect(socket.eventNames()).not.toContain('PLAYBACK_START');
  });

  it('sends digits to the phone with send_dtmf and uuid_send_dtmf', async () => {
    const control = await f.inbound();
    const { uuid, socket } = await f.callWithSocket('1000');
    await execute(socket, 'send_dtmf', '12#@400');
    expect(await control.api(`uuid_send_dtmf ${uuid} 9`)).toBe(`+OK ${uuid} sent DTMF 9.\n`);
    expect(f.sim.channel(uuid)?.dtmfReceived).toEqual(['1', '2', '#', '9']);
  });

  it('sleeps by the clock and exports variables to the legs it originates', async () => {
    const { uuid, socket } = await f.callWithSocket('1000');
    await sendExecute(socket, 'sleep', '1500');
    await socket.event(appEvent('CHANNEL_EXECUTE', 'sleep'));
    await f.clock.advance(1499);
    expect(socket.events().some(appEvent('CHANNEL_EXECUTE_COMPLETE', 'sleep'))).toBe(false);
    await f.clock.advance(1);
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'sleep'));
    await execute(socket, 'export', 'account=42');
    await execute(socket, 'unset', 'nothing');
    await sendExecute(socket, 'bridge', 'sofia/gateway/carrier/1000');
    const bridge = await socket.event('CHANNEL_BRIDGE');
    const b = bridge.headers.get('Other-Leg-Unique-ID') as string;
    expect(f.sim.channel(b)?.variables.account).toBe('42');
    expect(f.sim.channel(uuid)?.variables.account).toBe('42');
  });

  it('detects a fax machine with spandsp_start_fax_detect', async () => {
    const { uuid, socket } = await f.callWithSocket('9000');
    await execute(socket, 'spandsp_start_fax_detect', 'set fax_detected=true 10');
    await f.clock.advance(500);
    await socket.event((e) => appEvent('CHANNEL_EXECUTE_COMPLETE', 'set')(e) && e.headers.get('Application-Data') === 'fax_detected=true');
    expect(f.sim.channel(uuid)?.variables.fax_detected).toBe('true');
  });

  it('hangs up later with sched_hangup', async () => {
    const { uuid, socket } = await f.callWithSocket('1000');
    await execute(socket, 'sched_hangup', '+2 ALLOTTED_TIMEOUT');
    await f.clock.advance(2000);
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(f.sim.channel(uuid)?.hangupCause).toBe('ALLOTTED_TIMEOUT');
  });

  it('hangs up at a whole epoch second with the sched_hangup API, the one a controller can set from outside', async () => {
    const control = await f.inbound();
    const first = await f.callWithSocket('1000');
    const second = await f.callWithSocket('1000');
    expect(await control.api('sched_hangup +1')).toBe('-ERR No Such Channel!\n');
    expect(await control.api('sched_hangup')).toMatch(/^-USAGE: \[\+\]<time> <uuid>/);
    // 0.7 s into a second: +3 is the start of the third second from now, 2.3 s away.
    await f.clock.advance(1000 - (f.clock.now() % 1000) + 700);
    const setAt = f.clock.now();
    expect(await control.api(`sched_hangup +3 ${first.uuid}`)).toBe('+OK\n');
    // An absolute epoch second, with a cause.
    const at = Math.ceil(setAt / 1000) * 1000 + 5_000;
    expect(await control.api(`sched_hangup ${at / 1000} ${second.uuid} NORMAL_CLEARING`)).toBe('+OK\n');
    await f.clock.advance(2_299);
    expect(f.sim.channel(first.uuid)?.hangupCause).toBeUndefined();
    await f.clock.advance(1);
    await first.socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(f.sim.channel(first.uuid)).toMatchObject({ hangupCause: 'ALLOTTED_TIMEOUT', hangupAt: setAt + 2_300 });
    await f.clock.advance(at - f.clock.now());
    await second.socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(f.sim.channel(second.uuid)).toMatchObject({ hangupCause: 'NORMAL_CLEARING', hangupAt: at });
  });

  it('plays the inbound caller: DTMF after answer, and abandoning while it rings', async () => {
    await f.sim.placeInboundCall({
      uuid: S,
      destination: '8000',
      callerIdNumber: '15551234',
      answered: true,
      caller: { dtmf: [{ afterMs: 1000, digits: '7' }], hangupAfterMs: 3000 },
      socket: { host: '127.0.0.1', port: f.out.port },
    });
    const socket = await f.out.accept();
    await socket.request('connect');
    await socket.request('myevents');
    await f.clock.advance(1000);
    const dtmf = await socket.event('DTMF');
    expect(dtmf.headers.get('DTMF-Digit')).toBe('7');
    await f.clock.advance(2000);
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(f.sim.channel(S)?.variables.sip_hangup_disposition).toBe('recv_bye');

    const abandoned = 'c0000000-0000-4000-8000-0000000000ab';
    await f.sim.placeInboundCall({ uuid: abandoned, destination: '8000', callerIdNumber: '15551235', caller: { abandonAfterMs: 4000 }, socket: { host: '127.0.0.1', port: f.out.port } });
    const second = await f.out.accept();
    await second.request('connect');
    await second.request('myevents');
    await f.clock.advance(4000);
    const complete = await second.event('CHANNEL_HANGUP_COMPLETE');
    expect(complete.headers.get('Hangup-Cause')).toBe('ORIGINATOR_CANCEL');
  });
});
