import type { EslEvent } from '../../lib/esl/wire';
import { appEvent, sendExecute, startSim, type SimFixture } from './sim-fixture';

const S = 'c0000000-0000-4000-8000-0000000000a1';
const B = 'c0000000-0000-4000-8000-0000000000b1';

/** `Event-Name@leg` of every event, so an order across legs reads at a glance. */
function trail(events: readonly EslEvent[], legs: Readonly<Record<string, string>>): string[] {
  return events.map((e) => `${e.name}@${legs[e.headers.get('Unique-ID') ?? ''] ?? '-'}`);
}

describe('simulator races: each order FreeSWITCH plays either way is selectable, the default unchanged', () => {
  let f: SimFixture | undefined;
  afterEach(async () => {
    await f?.stop();
    f = undefined;
  });

  it.each([
    ['socket-first', 'before'],
    ['job-first', 'after'],
  ] as const)('originate &socket, %s: the socket connects %s the BACKGROUND_JOB', async (order, when) => {
    const sim = (f = await startSim({ phones: { '1000': { kind: 'answer' } }, races: { originateSocket: order } }));
    const control = await sim.inbound();
    await control.request('event plain BACKGROUND_JOB');
    let connectionsAtJob: number | undefined;
    sim.sim.on('event', (event) => {
      if (event.name === 'BACKGROUND_JOB') connectionsAtJob = sim.out.connections.length;
    });
    await control.request(`bgapi originate {origination_uuid=${S}}sofia/gateway/carrier/1000 '&socket(127.0.0.1:${sim.out.port} async full)'`);
    expect((await control.event('BACKGROUND_JOB')).body).toBe(`+OK ${S}\n`);
    const socket = await sim.out.accept();
    expect(connectionsAtJob).toBe(when === 'before' ? 1 : 0);
    expect((await socket.request('connect')).kind).toBe('channel-data');
  });

  it.each([
    ['after-first-command', ['CHANNEL_PARK', 'CHANNEL_EXECUTE']],
    ['before-myevents', ['CHANNEL_EXECUTE']],
  ] as const)('socket park %s: the socket sees %j before its first execute', async (order, expected) => {
    const sim = (f = await startSim({ races: { socketPark: order } }));
    const watcher = await sim.watcher();
    await sim.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '+15551234', socket: { host: '127.0.0.1', port: sim.out.port } });
    const socket = await sim.out.accept();
    await socket.request('connect');
    await socket.request('myevents');
    await sendExecute(socket, 'answer');
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'answer'));
    expect(socket.eventNames().slice(0, expected.length)).toEqual(expected);
    // The park itself happened either way: the inbound connection saw it.
    expect(watcher.eventNames(S)).toContain('CHANNEL_PARK');
  });

  it.each([
    ['after-first-command', 'text/event-plain'],
    ['at-first-sendmsg', 'text/event-json'],
  ] as const)('socket park %s: CHANNEL_PARK goes out as %s when event json follows myevents (14)', async (order, contentType) => {
    const sim = (f = await startSim({ races: { socketPark: order } }));
    await sim.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '+15551234', socket: { host: '127.0.0.1', port: sim.out.port } });
    const socket = await sim.out.accept();
    await socket.request('connect');
    await socket.request('myevents');
    await socket.request('event json CHANNEL_EXECUTE');
    await sendExecute(socket, 'answer');
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'answer'));
    const park = socket.frames.find((frame) => (frame.body?.toString('utf8') ?? '').includes('CHANNEL_PARK'));
    expect(park?.headers.get('Content-Type')).toBe(contentType);
    expect(socket.eventNames().slice(0, 2)).toEqual(['CHANNEL_PARK', 'CHANNEL_EXECUTE']);
  });

  it.each([
    ['at-once', ['CHANNEL_HANGUP', 'CHANNEL_UNPARK', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_STATE', 'CHANNEL_STATE', 'CHANNEL_HANGUP_COMPLETE']],
    ['after-controller-command', ['CHANNEL_HANGUP', 'CHANNEL_UNPARK', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_STATE']],
  ] as const)('linger notice after CHANNEL_HANGUP, reporting %s: what a socket that exits on the notice gets (04d)', async (order, expected) => {
    const sim = (f = await startSim({ lingerNotice: 'after-hangup', races: { lingeredReporting: order } }));
    const watcher = await sim.watcher();
    await sim.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '+15551234', socket: { host: '127.0.0.1', port: sim.out.port } });
    const socket = await sim.out.accept();
    for (const command of ['connect', 'myevents', 'linger']) await socket.request(command);
    await socket.request('sendmsg', { 'call-command': 'hangup', 'hangup-cause': 'USER_BUSY' });
    expect((await socket.notice()).disposition).toBe('linger');
    socket.send('exit');
    await socket.closed;
    expect(socket.eventNames().filter((name) => name !== 'CHANNEL_PARK')).toEqual(expected);
    const notice = socket.messages.findIndex((m) => m.kind === 'disconnect-notice');
    const beforeNotice = socket.messages[notice - 1];
    expect(beforeNotice?.kind === 'event' ? beforeNotice.event.name : beforeNotice?.kind).toBe('CHANNEL_HANGUP');
    // The session went on: the inbound connection gets HANGUP_COMPLETE either way.
    await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === S);
  });

  it('reporting after-controller-command: a controller that waits gets HANGUP_COMPLETE 20 ms after CS_HANGUP', async () => {
    const sim = (f = await startSim({ lingerNotice: 'after-hangup', races: { lingeredReporting: 'after-controller-command' } }));
    await sim.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '+15551234', socket: { host: '127.0.0.1', port: sim.out.port } });
    const socket = await sim.out.accept();
    for (const command of ['connect', 'myevents', 'linger']) await socket.request(command);
    await socket.request('sendmsg', { 'call-command': 'hangup', 'hangup-cause': 'USER_BUSY' });
    await socket.event((e) => e.name === 'CHANNEL_STATE' && e.headers.get('Channel-State') === 'CS_HANGUP');
    await sim.clock.advance(20);
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(socket.eventNames().slice(-2)).toEqual(['CHANNEL_STATE', 'CHANNEL_HANGUP_COMPLETE']);
  });

  it.each([
    ['delivered'],
    ['lost'],
  ] as const)('no linger, HANGUP_COMPLETE %s on the socket; the inbound connection always gets it', async (order) => {
    const sim = (f = await startSim({ phones: { '5000': { kind: 'answer', hangupAfterMs: 1000 } }, races: { unlingeredHangupComplete: order } }));
    const watcher = await sim.watcher();
    const { socket } = await sim.callWithSocket('5000');
    await sim.clock.advance(1000);
    const bye = await socket.notice();
    expect(bye.disposition).toBe('disconnect');
    await socket.closed;
    expect(socket.eventNames().includes('CHANNEL_HANGUP_COMPLETE')).toBe(order === 'delivered');
    expect(socket.eventNames().slice(0, 3)).toEqual(['CHANNEL_PARK', 'CHANNEL_HANGUP', 'CHANNEL_UNPARK']);
    await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE');
  });

  it.each([
    ['as-captured', ['CHANNEL_UNBRIDGE@A', 'CHANNEL_HANGUP_COMPLETE@B']],
    ['unbridge-first', ['CHANNEL_UNBRIDGE@A', 'CHANNEL_HANGUP_COMPLETE@B']],
    ['peer-hangup-complete-first', ['CHANNEL_HANGUP_COMPLETE@B', 'CHANNEL_UNBRIDGE@A']],
  ] as const)('B leaves the bridge application, %s', async (order, expected) => {
    const sim = (f = await startSim({ phones: { '1000': { kind: 'answer' }, '2000': { kind: 'answer', hangupAfterMs: 1000 } }, races: { bridgePeerLeaves: order } }));
    const watcher = await sim.watcher();
    const { socket, uuid: a } = await sim.callWithSocket('1000');
    await sendExecute(socket, 'bridge', `{origination_uuid=${B}}sofia/gateway/carrier/2000`);
    await socket.event('CHANNEL_BRIDGE');
    await sim.clock.advance(1000);
    const done = await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'bridge'));
    expect(done.headers.get('variable_bridge_hangup_cause')).toBe('NORMAL_CLEARING');
    await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === B);
    await watcher.settle();
    const seen = trail(watcher.events(), { [a]: 'A', [B]: 'B' }).filter((t) => (expected as readonly string[]).includes(t));
    expect(seen).toEqual(expected);
    expect(sim.sim.channel(a)?.answerState).toBe('answered');
  });

  it.each([
    ['as-captured', ['CHANNEL_HANGUP_COMPLETE@B', 'CHANNEL_UNBRIDGE@A']],
    ['unbridge-first', ['CHANNEL_UNBRIDGE@A', 'CHANNEL_HANGUP_COMPLETE@B']],
    ['peer-hangup-complete-first', ['CHANNEL_HANGUP_COMPLETE@B', 'CHANNEL_UNBRIDGE@A']],
  ] as const)('B leaves a uuid_bridge, %s', async (order, expected) => {
    const sim = (f = await startSim({ phones: { '1000': { kind: 'answer' }, '2000': { kind: 'answer', hangupAfterMs: 1000 } }, races: { bridgePeerLeaves: order } }));
    const watcher = await sim.watcher();
    const control = await sim.inbound();
    expect(await control.api(`originate {origination_uuid=${S}}sofia/gateway/carrier/1000 &park()`)).toBe(`+OK ${S}\n`);
    expect(await control.api(`originate {origination_uuid=${B}}sofia/gateway/carrier/2000 &park()`)).toBe(`+OK ${B}\n`);
    expect(await control.api(`uuid_bridge ${S} ${B}`)).toBe(`+OK ${B}\n`);
    await sim.clock.advance(1000);
    await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === B);
    await watcher.settle();
    const seen = trail(watcher.events(), { [S]: 'A', [B]: 'B' }).filter((t) => (expected as readonly string[]).includes(t));
    expect(seen).toEqual(expected);
  });
});
