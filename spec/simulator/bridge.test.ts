import type { EslEvent } from '../../lib/esl/wire';
import type { EslTestClient } from './esl-test-client';
import { appEvent, sendExecute, startSim, type SimFixture } from './sim-fixture';

const B = 'b0000000-0000-4000-8000-00000000000b';


/** Socket-controlled A, bridged to B (1000) by the bridge application. */
async function bridged(f: SimFixture, options: { lock?: boolean; aVars?: string; linger?: boolean } = {}): Promise<{ a: string; socket: EslTestClient }> {
  const { uuid, socket } = await f.callWithSocket('1000', { vars: options.aVars, linger: options.linger });
  await sendExecute(socket, 'bridge', `{origination_uuid=${B}}sofia/gateway/carrier/1000`, options.lock ? { 'event-lock': 'true' } : {});
  await socket.event('CHANNEL_BRIDGE');
  return { a: uuid, socket };
}

describe('simulator bridges', () => {
  let f: SimFixture;
  beforeEach(async () => {
    f = await startSim({ phones: { '1000': { kind: 'answer' }, '2000': { kind: 'busy' } } });
  });
  afterEach(() => f.stop());

  it('bridges A to B: CHANNEL_BRIDGE once, on A, with both ids and the other leg', async () => {
    const watcher = await f.watcher();
    const { a, socket } = await bridged(f);
    const bridge = socket.events().find((e) => e.name === 'CHANNEL_BRIDGE') as EslEvent;
    expect([bridge.headers.get('Bridge-A-Unique-ID'), bridge.headers.get('Bridge-B-Unique-ID'), bridge.headers.get('Unique-ID')]).toEqual([a, B, a]);
    expect([bridge.headers.get('Other-Type'), bridge.headers.get('Other-Leg-Unique-ID')]).toEqual(['originatee', B]);
    await watcher.settle();
    expect(watcher.eventNames(B)).toEqual(['CHANNEL_CREATE', 'CHANNEL_ANSWER']);
    expect(watcher.events().filter((e) => e.name === 'CHANNEL_BRIDGE')).toHaveLength(1);
    expect(f.sim.channel(a)?.bridgedTo).toBe(B);
  });

  it('fires DTMF on the leg that pressed and forwards it to the peer unless bridge_filter_dtmf', async () => {
    const watcher = await f.watcher();
    const { a, socket } = await bridged(f);
    f.sim.sendDtmf(a, '#5');
    f.sim.sendDtmf(B, '9');
    await socket.event('DTMF');
    await socket.event('DTMF');
    await watcher.event((e) => e.name === 'DTMF' && e.headers.get('Unique-ID') === B);
    expect(socket.events().filter((e) => e.name === 'DTMF').map((e) => e.headers.get('DTMF-Digit'))).toEqual(['#', '5']);
    expect(f.sim.channel(B)?.dtmfReceived).toEqual(['#', '5']);
    expect(f.sim.channel(a)?.dtmfReceived).toEqual(['9']);
    await sendExecute(socket, 'set', 'bridge_filter_dtmf=true');
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'set'));
    f.sim.sendDtmf(a, '7');
    await socket.event((e) => e.name === 'DTMF' && e.headers.get('DTMF-Digit') === '7');
    expect(f.sim.channel(B)?.dtmfReceived).toEqual(['#', '5']);
  });

  it('swallows *KEY for bind_meta_app and runs the application inside an unlocked bridge', async () => {
    const { uuid: a, socket } = await f.callWithSocket('1000');
    await sendExecute(socket, 'bind_meta_app', '8 a a playback::silence_stream://200');
    await sendExecute(socket, 'bridge', `{origination_uuid=${B}}sofia/gateway/carrier/1000`);
    await socket.event('CHANNEL_BRIDGE');
    f.sim.sendDtmf(a, '*8');
    await socket.event(appEvent('CHANNEL_EXECUTE', 'playback'));
    await f.clock.advance(200);
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'playback'));
    expect(socket.eventNames()).not.toContain('DTMF');
    expect(socket.eventNames()).not.toContain('CHANNEL_UNBRIDGE');
    expect(f.sim.channel(B)?.dtmfReceived).toEqual([]);
  });

  it.each([
    ['no hold_music', '', 'tone_stream://%(1000,4000,440)'],
    ['its hold_music', 'hold_music=silence_stream://-1', 'silence_stream://-1'],
  ])('puts B on hold while the meta application runs inside the bridge: %s (06c2)', async (_what, bVars, music) => {
    const watcher = await f.watcher();
    const { uuid: a, socket } = await f.callWithSocket('1000');
    await sendExecute(socket, 'bind_meta_app', '8 a a playback::silence_stream://200');
    await sendExecute(socket, 'bridge', `{origination_uuid=${B}${bVars ? `,${bVars}` : ''}}sofia/gateway/carrier/1000`);
    await socket.event('CHANNEL_BRIDGE');
    f.sim.sendDtmf(a, '*8');
    await f.clock.advance(200);
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'playback'));
    await watcher.event((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.headers.get('Unique-ID') === B);
    const playbacks = watcher
      .events()
      .filter((e) => e.name.startsWith('CHANNEL_EXECUTE') && e.headers.get('Application') === 'playback')
      .map((e) => `${e.name}@${e.headers.get('Unique-ID') === B ? 'B' : 'A'} ${e.headers.get('Application-Data')} ${e.headers.get('Application-Response') ?? ''}`.trim());
    expect(playbacks).toEqual([
      `CHANNEL_EXECUTE@B ${music}`,
      'CHANNEL_EXECUTE@A silence_stream://200',
      'CHANNEL_EXECUTE_COMPLETE@A silence_stream://200 FILE PLAYED',
      `CHANNEL_EXECUTE_COMPLETE@B ${music} FILE PLAYED`,
    ]);
    expect(f.sim.channel(B)?.bridgedTo).toBe(a);
  });

  it('holds queued executes until an event-locked bridge ends', async () => {
    const { socket } = await bridged(f, { lock: true });
    await sendExecute(socket, 'playback', 'silence_stream://100', { 'Event-UUID': 'queued' });
    await socket.settle();
    expect(socket.events().some((e) => e.headers.get('Application-UUID') === 'queued')).toBe(false);
    f.sim.hangup(B);
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'bridge'));
    await socket.event((e) => e.name === 'CHANNEL_EXECUTE' && e.headers.get('Application-UUID') === 'queued');
  });

  it('ends the bridge when B hangs up: UNBRIDGE, bridge_hangup_cause, A stays', async () => {
    const control = await f.inbound();
    const { a, socket } = await bridged(f);
    expect(await control.api(`uuid_kill ${B} USER_BUSY`)).toBe('+OK\n');
    const done = await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'bridge'));
    expect(done.headers.get('variable_bridge_hangup_cause')).toBe('USER_BUSY');
    expect(done.headers.get('Application-Response')).toBe('_none_');
    expect(socket.eventNames().slice(-3)).toEqual(['CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_EXECUTE_COMPLETE']);
    await socket.settle();
    expect(f.sim.channel(a)?.answerState).toBe('answered');
    expect(await control.api(`uuid_exists ${a}`)).toBe('true');
  });

  it('hangs A up after the bridge with hangup_after_bridge, with B’s cause', async () => {
    const { a, socket } = await bridged(f, { aVars: 'hangup_after_bridge=true' });
    f.sim.hangup(B, 'NORMAL_CLEARING');
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(f.sim.channel(a)?.hangupCause).toBe('NORMAL_CLEARING');
    const order = socket.eventNames();
    expect(order.indexOf('CHANNEL_HANGUP')).toBeLessThan(order.lastIndexOf('CHANNEL_EXECUTE_COMPLETE'));
  });

  it('takes B down with A when A hangs up, B completing first (capture 11a)', async () => {
    const watcher = await f.watcher();
    const { a } = await bridged(f);
    f.sim.hangup(a);
    await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') !== B);
    const names = watcher.events().map((e) => `${e.name}:${e.headers.get('Unique-ID') === B ? 'B' : 'A'}`);
    expect(names.slice(names.indexOf('CHANNEL_HANGUP:A'))).toEqual([
      'CHANNEL_HANGUP:A',
      'CHANNEL_HANGUP:B',
      'CHANNEL_UNBRIDGE:A',
      'CHANNEL_EXECUTE_COMPLETE:A',
      'CHANNEL_UNPARK:A',
      'CHANNEL_EXECUTE_COMPLETE:A',
      'CHANNEL_STATE:B',
      'CHANNEL_STATE:B',
      'CHANNEL_HANGUP_COMPLETE:B',
      'CHANNEL_STATE:A',
      'CHANNEL_STATE:A',
      'CHANNEL_HANGUP_COMPLETE:A',
    ]);
  });

  it('hangs A up with B’s cause when B fails, unless continue_on_fail', async () => {
    const first = await f.callWithSocket('1000');
    await sendExecute(first.socket, 'bridge', 'sofia/gateway/carrier/2000');
    await first.socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(f.sim.channel(first.uuid)?.hangupCause).toBe('USER_BUSY');

    const second = await f.callWithSocket('1000', { vars: 'continue_on_fail=true' });
    await sendExecute(second.socket, 'bridge', 'sofia/gateway/carrier/2000');
    const done = await second.socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'bridge'));
    expect(done.headers.get('variable_originate_disposition')).toBe('USER_BUSY');
    expect(done.headers.get('variable_DIALSTATUS')).toBe('BUSY');
    expect(f.sim.channel(second.uuid)?.answerState).toBe('answered');
  });

  describe('when the controller’s connection dies', () => {
    it('hangs a parked leg up at once with NORMAL_CLEARING (08a)', async () => {
      const watcher = await f.watcher();
      const { uuid, socket } = await f.callWithSocket('1000');
      socket.close();
      await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === uuid);
      expect(f.sim.channel(uuid)?.hangupCause).toBe('NORMAL_CLEARING');
      expect(watcher.eventNames(uuid).slice(-6)).toEqual([
        'CHANNEL_UNPARK',
        'CHANNEL_EXECUTE_COMPLETE',
        'CHANNEL_HANGUP',
        'CHANNEL_STATE',
        'CHANNEL_STATE',
        'CHANNEL_HANGUP_COMPLETE',
      ]);
    });

    it('leaves a bridge up until a party hangs up (08b)', async () => {
      const watcher = await f.watcher();
      const { a, socket } = await bridged(f, { lock: true });
      socket.close();
      await f.clock.advance(10_000);
      await watcher.settle();
      expect(f.sim.channel(a)?.answerState).toBe('answered');
      expect(f.sim.channel(B)?.answerState).toBe('answered');
      f.sim.hangup(B);
      await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === a);
      expect(f.sim.channel(a)?.hangupCause).toBe('NORMAL_CLEARING');
    });

    it('tears the bridge down when resume was sent (08c)', async () => {
      const watcher = await f.watcher();
      const { uuid: a, socket } = await f.callWithSocket('1000');
      await socket.request('resume');
      await sendExecute(socket, 'bridge', `{origination_uuid=${B}}sofia/gateway/carrier/1000`, { 'event-lock': 'true' });
      await socket.event('CHANNEL_BRIDGE');
      socket.close();
      // B is gone first, then A (capture 08c).
      await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === B);
      await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === a);
      expect(f.sim.channel(B)?.hangupCause).toBe('NORMAL_CLEARING');
      expect(f.sim.channel(a)?.hangupCause).toBe('NORMAL_CLEARING');
    });
  });

  it('moves a bridged leg with uuid_transfer inline, which ends the socket application (12c)', async () => {
    const control = await f.inbound();
    const { a, socket } = await bridged(f, { linger: true });
    expect(await control.api(`uuid_transfer ${B} -bleg playback:silence_stream://300 inline`)).toBe('+OK\n');
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'socket'));
    await socket.event(appEvent('CHANNEL_EXECUTE', 'playback'));
    expect(f.sim.channel(B)?.hangupCause).toBe('NORMAL_CLEARING');
    expect(socket.isClosed).toBe(false);
    await f.clock.advance(300);
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect((await socket.notice()).disposition).toBe('linger');
    expect(f.sim.channel(a)?.variables.playback_ms).toBe('300');
  });

  it('names the new extension in a transferred leg’s profile, the old destination as RDNIS, with no other leg', async () => {
    const { socket } = await bridged(f);
    const control = await f.inbound();
    expect(await control.api(`uuid_transfer ${B} -bleg 4321 XML public`)).toBe('+OK\n');
    const unbridged = await socket.event('CHANNEL_UNBRIDGE');
    const profile = ['Caller-Dialplan', 'Caller-Destination-Number', 'Caller-Context', 'Caller-RDNIS'].map((name) => unbridged.headers.get(name));
    expect(profile).toEqual(['XML', '4321', 'public', '1000']);
    expect(unbridged.headers.has('Other-Leg-Unique-ID')).toBe(false);
    expect(unbridged.headers.get('Caller-Transfer-Source')).toMatch(/:bl_xfer:4321\/public\/XML$/);
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'socket'));
    const states = [await socket.event('CHANNEL_STATE'), await socket.event('CHANNEL_STATE')].map((e) => e.headers.get('Channel-State'));
    expect(states).toEqual(['CS_ROUTING', 'CS_EXECUTE']);
    const parked = await socket.event(appEvent('CHANNEL_EXECUTE', 'park'));
    expect(parked.headers.get('Caller-RDNIS')).toBe('1000');
  });

  it('queues uuid_broadcast like a sendmsg execute', async () => {
    const control = await f.inbound();
    const { uuid, socket } = await f.callWithSocket('1000');
    expect(await control.api(`uuid_broadcast ${uuid} silence_stream://100 aleg`)).toBe('+OK Message sent\n');
    const started = await socket.event(appEvent('CHANNEL_EXECUTE', 'playback'));
    expect(started.headers.get('Application-Data')).toBe('silence_stream://100');
    expect(await control.api(`uuid_broadcast ${uuid} set::via=broadcast`)).toBe('+OK Message sent\n');
    await f.clock.advance(100);
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'set'));
    expect(f.sim.channel(uuid)?.variables.via).toBe('broadcast');
  });

  it('ends the socket application on uuid_bridge while the connection stays open (12d2)', async () => {
    const control = await f.inbound();
    const { uuid: a, socket } = await f.callWithSocket('1000', { linger: true });
    const other = 'd0000000-0000-4000-8000-00000000000d';
    await control.api(`originate {origination_uuid=${other}}sofia/gateway/carrier/1000 &park`);
    expect(await control.api(`uuid_bridge ${a} ${other}`)).toBe(`+OK ${other}\n`);
    await socket.event('CHANNEL_BRIDGE');
    expect(socket.eventNames().slice(-6)).toEqual(['CHANNEL_UNPARK', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_STATE', 'CHANNEL_STATE', 'CHANNEL_EXECUTE', 'CHANNEL_BRIDGE']);
    const execute = socket.events().find(appEvent('CHANNEL_EXECUTE', 'uuid_bridge'));
    expect([execute?.headers.get('Application-Data'), execute?.headers.get('Application-UUID')]).toEqual([other, undefined]);
    expect(socket.isClosed).toBe(false);
    expect(await control.api(`uuid_kill ${a}`)).toBe('+OK\n');
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect((await socket.notice()).disposition).toBe('linger');
    await control.settle();
    expect(f.sim.channel(other)?.hangupCause).toBe('NORMAL_CLEARING');
  });
});
