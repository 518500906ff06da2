import { appEvent, startSim, type SimFixture } from './sim-fixture';
import { CHANNEL_DATA_LAYOUT, checkEventLayout, checkOrder } from './template-layout';

const S = 'c0000000-0000-4000-8000-000000000003';


describe('simulator outbound socket', () => {
  let f: SimFixture;
  beforeEach(async () => {
    f = await startSim({ phones: { '1000': { kind: 'answer' }, '5000': { kind: 'answer', hangupAfterMs: 5000 } } });
  });
  afterEach(() => f.stop());

  it('connects for an originated leg before the job is reported, and replies to connect with the channel data', async () => {
    const control = await f.inbound();
    await control.request('event plain BACKGROUND_JOB');
    await control.request(`bgapi originate {origination_uuid=${S}}sofia/gateway/carrier/1000 '&socket(127.0.0.1:${f.out.port} async full)'`);
    const socket = await f.out.accept();
    const reply = await socket.request('connect');
    if (reply.kind !== 'channel-data') throw new Error(`connect reply was ${reply.kind}`);
    const headers = reply.channel.headers;
    expect(headers.get('Reply-Text')).toBe('+OK\n');
    expect(headers.get('Socket-Mode')).toBe('async');
    expect(headers.get('Control')).toBe('full');
    expect(headers.get('Unique-ID')).toBe(S);
    expect(headers.get('Answer-State')).toBe('answered');
    expect(headers.get('Event-Calling-Function')).toBe('parse_command');
    expect(headers.get('variable_current_application')).toBe('socket');
    expect(checkOrder(headers.names(), CHANNEL_DATA_LAYOUT)).toBeUndefined();
    const connectFrame = socket.frames.find((fr) => fr.headers.get('Event-Name') === 'CHANNEL_DATA');
    expect(connectFrame?.headers.get('Reply-Text')).toBe('%2BOK%0A');
    const job = await control.event('BACKGROUND_JOB');
    expect(job.body).toBe(`+OK ${S}\n`);
  });

  it('reports an answered leg whose socket is lost on the way, which never connects and stays up until it is hung up', async () => {
    f.sim.setPhone('1001', { kind: 'answer', socketLost: true });
    const control = await f.inbound();
    await control.request('event plain BACKGROUND_JOB CHANNEL_HANGUP_COMPLETE');
    await control.request(`bgapi originate {origination_uuid=${S}}sofia/gateway/carrier/1001 '&socket(127.0.0.1:${f.out.port} async full)'`);
    expect((await control.event('BACKGROUND_JOB')).body).toBe(`+OK ${S}\n`);
    await f.clock.advance(60_000);
    expect(f.out.connections).toHaveLength(0);
    expect(f.sim.channel(S)?.answerState).toBe('answered');
    expect(f.sim.channel(S)?.hangupCause).toBeUndefined();
    expect(await f.inbound().then((client) => client.api(`uuid_kill ${S}`))).toBe('+OK\n');
    expect((await control.event('CHANNEL_HANGUP_COMPLETE')).headers.get('Unique-ID')).toBe(S);
  });

  it('hands an unanswered inbound call to the socket, which can answer it', async () => {
    const watcher = await f.watcher();
    await f.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '+15551234', socket: { host: '127.0.0.1', port: f.out.port } });
    const socket = await f.out.accept();
    const reply = await socket.request('connect');
    expect(reply.kind === 'channel-data' && reply.channel.headers.get('Answer-State')).toBe('ringing');
    expect(reply.kind === 'channel-data' && reply.channel.headers.get('Channel-Destination-Number')).toBe('8000');
    expect(reply.kind === 'channel-data' && reply.channel.headers.get('Caller-Context')).toBe('public');
    expect(await socket.replyText('myevents')).toBe('+OK Events Enabled');
    expect(await socket.replyText('myevents')).toBe('-ERR aready enabled.');
    await socket.event('CHANNEL_PARK');
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'answer', 'Event-UUID': 'e-answer' });
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'answer'));
    expect(socket.eventNames()).toEqual(['CHANNEL_PARK', 'CHANNEL_EXECUTE', 'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_ANSWER', 'CHANNEL_EXECUTE_COMPLETE']);
    expect(watcher.eventNames(S).slice(0, 2)).toEqual(['CHANNEL_CREATE', 'CHANNEL_EXECUTE']);
    expect(f.sim.channel(S)?.answerState).toBe('answered');
  });

  it('refuses an access call with respond 486: hangup, socket completion, linger notice', async () => {
    await f.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '79261234567', socket: { host: '127.0.0.1', port: f.out.port } });
    const socket = await f.out.accept();
    await socket.request('connect');
    await socket.request('myevents');
    expect(await socket.replyText('linger')).toBe('+OK will linger');
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'respond', 'execute-app-arg': '486', 'event-lock': 'true' });
    const complete = await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(complete.headers.get('Hangup-Cause')).toBe('USER_BUSY');
    expect(complete.headers.get('variable_sip_hangup_disposition')).toBe('send_refuse');
    expect(socket.eventNames()).toEqual([
      'CHANNEL_PARK',
      'CHANNEL_EXECUTE',
      'CHANNEL_HANGUP',
      'CHANNEL_EXECUTE_COMPLETE',
      'CHANNEL_UNPARK',
      'CHANNEL_EXECUTE_COMPLETE',
      'CHANNEL_STATE',
      'CHANNEL_STATE',
      'CHANNEL_HANGUP_COMPLETE',
    ]);
    const linger = await socket.notice();
    expect(linger.disposition).toBe('linger');
    expect(linger.headers.get('Controlled-Session-UUID')).toBe(S);
    expect(linger.lingerSeconds).toBe(-1);
    expect(await socket.replyText('exit')).toBe('+OK bye');
    const bye = await socket.notice();
    expect([bye.disposition, bye.headers.get('Controlled-Session-UUID')]).toEqual(['disconnect', S]);
    await socket.closed;
  });

  it('delivers only its own channel under myevents, and its own bgapi jobs once subscribed', async () => {
    const { socket } = await f.callWithSocket('1000');
    const other = await f.inbound();
    await other.api('originate sofia/gateway/carrier/1000 &park');
    await socket.request('bgapi status', { 'Job-UUID': 'job-not-subscribed' });
    expect(await socket.replyText('event plain BACKGROUND_JOB')).toBe('+OK event listener enabled plain');
    await socket.request('bgapi status', { 'Job-UUID': 'job-subscribed' });
    const job = await socket.event('BACKGROUND_JOB');
    expect(job.headers.get('Job-UUID')).toBe('job-subscribed');
    expect(job.headers.get('Job-Owner-UUID')).toBe(socket.events()[0]?.headers.get('Unique-ID'));
    await socket.settle();
    expect(new Set(socket.events().filter((e) => e.name !== 'BACKGROUND_JOB').map((e) => e.headers.get('Unique-ID'))).size).toBe(1);
  });

  it('correlates executes by Event-UUID, takes the argument from a text/plain body, and queues them in order', async () => {
    const { socket } = await f.callWithSocket('1000');
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'playback', 'execute-app-arg': 'silence_stream://500', 'Event-UUID': 'e-1' });
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'set', 'content-type': 'text/plain', 'Event-UUID': 'e-2' }, 'greeting=hello there');
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'no_such_app', 'Event-UUID': 'e-3' });
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'set', 'execute-app-arg': 'done=1' });
    await socket.event(appEvent('CHANNEL_EXECUTE', 'playback'));
    expect(socket.eventNames()).not.toContain('CHANNEL_EXECUTE_COMPLETE');
    await f.clock.advance(500);
    const played = await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'playback'));
    expect([played.headers.get('Application-UUID'), played.headers.get('Application-Response')]).toEqual(['e-1', 'FILE PLAYED']);
    const set = await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'set'));
    expect(set.headers.get('Application-UUID')).toBe('e-2');
    expect(set.headers.get('Application-Data')).toBe('greeting=hello there');
    expect(set.headers.get('Application-Response')).toBe('FILE PLAYED');
    const last = await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'set'));
    expect(last.headers.get('Application-UUID')).toMatch(/^[0-9a-f-]{36}$/);
    expect(socket.events().some((e) => e.headers.get('Application-UUID') === 'e-3')).toBe(false);
    expect(await socket.replyText('getvar greeting')).toBe('hello there');
    expect(await socket.replyText('getvar nothing_here')).toBe('-ERR command not found');
    for (const event of socket.events()) expect(checkEventLayout(event)).toBeUndefined();
  });

  it('cuts a playback short on hangup: PLAYBACK ERROR, linger notice, HANGUP_COMPLETE, then exit', async () => {
    const { uuid, socket } = await f.callWithSocket('5000', { linger: true, events: 'PLAYBACK_START PLAYBACK_STOP' });
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'playback', 'execute-app-arg': 'silence_stream://30000', 'event-lock': 'true', 'Event-UUID': 'e-play' });
    await socket.event('PLAYBACK_START');
    await f.clock.advance(5000);
    const complete = await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(complete.headers.get('Hangup-Cause')).toBe('NORMAL_CLEARING');
    expect(socket.eventNames()).toEqual([
      'CHANNEL_PARK',
      'CHANNEL_EXECUTE',
      'PLAYBACK_START',
      'CHANNEL_HANGUP',
      'PLAYBACK_STOP',
      'CHANNEL_EXECUTE_COMPLETE',
      'CHANNEL_UNPARK',
      'CHANNEL_EXECUTE_COMPLETE',
      'CHANNEL_STATE',
      'CHANNEL_STATE',
      'CHANNEL_HANGUP_COMPLETE',
    ]);
    // A hangup is no SWITCH_STATUS_BREAK: switch_ivr_play_file reports `done` (#16 item 5).
    const stop = socket.events().find((e) => e.name === 'PLAYBACK_STOP');
    expect(stop?.headers.get('Playback-Status')).toBe('done');
    const playback = socket.events().find(appEvent('CHANNEL_EXECUTE_COMPLETE', 'playback'));
    expect([playback?.headers.get('Application-Response'), playback?.headers.get('Application-UUID')]).toEqual(['PLAYBACK ERROR', 'e-play']);
    const socketDone = socket.events().filter(appEvent('CHANNEL_EXECUTE_COMPLETE', 'socket'))[0];
    expect(socketDone?.headers.get('Application-Response')).toBe('PLAYBACK ERROR');
    // The notice comes before the socket application's completion (FreeSWITCH's race, the harder case).
    const order = socket.messages.map((m) => (m.kind === 'event' ? m.event.name : m.kind));
    expect(order.indexOf('disconnect-notice')).toBe(order.indexOf('CHANNEL_UNPARK') + 1);
    expect(f.sim.channel(uuid)?.playbacks).toEqual([expect.objectContaining({ file: 'silence_stream://30000', status: 'hangup' })]);
    expect((await socket.notice()).disposition).toBe('linger');
    await socket.request('exit');
    expect((await socket.notice()).disposition).toBe('disconnect');
    await socket.closed;
  });

  it('disconnects after the linger time, by the clock', async () => {
    const { uuid, socket } = await f.callWithSocket('1000');
    expect(await socket.replyText('linger 3')).toBe('+OK will linger 3 seconds');
    f.sim.hangup(uuid);
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect((await socket.notice()).lingerSeconds).toBe(3);
    await f.clock.advance(2999);
    expect(socket.isClosed).toBe(false);
    await f.clock.advance(1);
    expect((await socket.notice()).disposition).toBe('disconnect');
    await socket.closed;
  });

  it('without linger: events up to HANGUP_COMPLETE, then the disconnect notice and close', async () => {
    const { uuid, socket } = await f.callWithSocket('1000', { linger: true });
    expect(await socket.replyText('nolinger')).toBe('+OK will not linger');
    expect(f.sim.hangup(uuid, 'USER_BUSY')).toBe(true);
    await socket.closed;
    expect(socket.eventNames().slice(-3)).toEqual(['CHANNEL_STATE', 'CHANNEL_STATE', 'CHANNEL_HANGUP_COMPLETE']);
    const notices = socket.messages.filter((m) => m.kind === 'disconnect-notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.kind === 'disconnect-notice' && notices[0].text.length).toBe(67);
  });

  it('switches the whole connection to JSON with event json', async () => {
    const { socket } = await f.callWithSocket('1000');
    expect(await socket.replyText('event json DTMF')).toBe('+OK event listener enabled json');
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'set', 'execute-app-arg': 'x=1' });
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'set'));
    const types = socket.frames.map((fr) => fr.headers.get('Content-Type'));
    expect(types.filter((t) => t?.startsWith('text/event'))).toEqual(['text/event-plain', 'text/event-json', 'text/event-json']);
  });

  it('collects digits with play_and_get_digits', async () => {
    const { uuid, socket } = await f.callWithSocket('1000');
    const args = '1 5 3 5000 # /prompts/pin.wav /prompts/invalid.wav pin \\d+ 3000';
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'play_and_get_digits', 'execute-app-arg': args });
    await socket.event(appEvent('CHANNEL_EXECUTE', 'play_and_get_digits'));
    f.sim.sendDtmf(uuid, '42#');
    const done = await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'play_and_get_digits'));
    expect(done.headers.get('variable_pin')).toBe('42');
    expect(done.headers.get('variable_read_result')).toBe('success');
    expect(done.headers.get('Application-Response')).toBe('_none_');
    expect(socket.eventNames().filter((n) => n === 'DTMF')).toHaveLength(3);
  });

  it('gives play_and_get_digits up after its tries', async () => {
    const { socket } = await f.callWithSocket('1000');
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'play_and_get_digits', 'execute-app-arg': '2 4 2 1000 # silence_stream://100 silence_stream://50 code' });
    await socket.event(appEvent('CHANNEL_EXECUTE', 'play_and_get_digits'));
    for (let i = 0; i < 4; i++) await f.clock.advance(1000);
    const done = await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'play_and_get_digits'));
    expect(done.headers.get('variable_read_result')).toBe('timeout');
    expect(done.headers.get('variable_code')).toBeUndefined();
  });

  it('stops a playback on its terminator', async () => {
    const { uuid, socket } = await f.callWithSocket('1000', { events: 'PLAYBACK_STOP' });
    await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'playback', 'execute-app-arg': '/sounds/menu.wav' });
    await socket.event(appEvent('CHANNEL_EXECUTE', 'playback'));
    f.sim.sendDtmf(uuid, '5*');
    const stop = await socket.event('PLAYBACK_STOP');
    expect(stop.headers.get('Playback-Status')).toBe('break');
    const done = await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'playback'));
    expect(done.headers.get('Application-Response')).toBe('FILE PLAYED');
    expect(done.headers.get('variable_playback_terminator_used')).toBe('*');
  });

  it('keeps to the commands allowed without full', async () => {
    await f.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '100', socket: { host: '127.0.0.1', port: f.out.port, full: false } });
    const socket = await f.out.accept();
    const reply = await socket.request('connect');
    expect(reply.kind === 'channel-data' && reply.channel.headers.get('Control')).toBe('single-channel');
    expect(await socket.replyText('event plain ALL')).toBe('-ERR command not found');
    expect(await socket.replyText('linger')).toBe('-ERR command not found');
    expect(await socket.replyText('api status')).toBe('-ERR command not found');
    expect(await socket.replyText('myevents')).toBe('+OK Events Enabled');
    expect(await socket.replyText('resume')).toBe('+OK');
  });

  it('runs sendmsg inline in static mode: +OK after the application, no park', async () => {
    await f.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '100', answered: true, socket: { host: '127.0.0.1', port: f.out.port, async: false } });
    const socket = await f.out.accept();
    const reply = await socket.request('connect');
    expect(reply.kind === 'channel-data' && reply.channel.headers.get('Socket-Mode')).toBe('static');
    await socket.request('myevents');
    socket.send('sendmsg', { 'call-command': 'execute', 'execute-app-name': 'playback', 'execute-app-arg': 'silence_stream://2000' });
    await socket.settle();
    expect(socket.messages.filter((m) => m.kind === 'command-reply')).toHaveLength(1);
    await f.clock.advance(2000);
    expect(await socket.reply()).toMatchObject({ kind: 'command-reply', text: '+OK' });
    expect(socket.eventNames()).toEqual(['CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE']);
    const order = socket.messages.map((m) => m.kind);
    expect(order.lastIndexOf('command-reply')).toBeLessThan(order.indexOf('event'));
  });

  it('drops a controller that sends nothing within 25 s', async () => {
    await f.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '100', socket: { host: '127.0.0.1', port: f.out.port } });
    const socket = await f.out.accept();
    await f.clock.advance(25_000);
    await socket.closed;
    const watcher = await f.inbound();
    await watcher.settle();
    expect(f.sim.channel(S)?.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('hangs the leg up when the socket cannot connect', async () => {
    await f.out.close();
    await f.sim.placeInboundCall({ uuid: S, destination: '8000', callerIdNumber: '100', socket: { host: '127.0.0.1', port: f.out.port } });
    const watcher = await f.inbound();
    for (let i = 0; i < 50 && f.sim.channel(S)?.hangupCause === undefined; i++) await watcher.settle(5);
    expect(f.sim.channel(S)?.hangupCause).toBe('NORMAL_CLEARING');
  });
});
