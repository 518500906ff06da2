import { GOODBYE } from '../../lib/esl/wire';
import { EslTestClient } from './esl-test-client';
import { startSim, type SimFixture } from './sim-fixture';

describe('simulator inbound listener', () => {
  let f: SimFixture;
  beforeEach(async () => {
    f = await startSim({ phones: { '2000': { kind: 'busy' } } });
  });
  afterEach(() => f.stop());

  it('asks for auth and accepts the password', async () => {
    const client = await EslTestClient.connect(f.sim.eslPort);
    expect((await client.next((m) => m.kind === 'auth-request')).kind).toBe('auth-request');
    expect(await client.replyText('auth ClueCon')).toBe('+OK accepted');
    client.close();
  });

  it('refuses a bad password with -ERR invalid, a disconnect notice and a close', async () => {
    const client = await EslTestClient.connect(f.sim.eslPort);
    expect(await client.replyText('auth nope')).toBe('-ERR invalid');
    const notice = await client.notice();
    expect(notice.text).toBe(GOODBYE);
    expect(notice.headers.get('Controlled-Session-UUID')).toBeUndefined();
    await client.closed;
  });

  it('accepts only auth and exit before authentication', async () => {
    const client = await EslTestClient.connect(f.sim.eslPort);
    expect(await client.replyText('api status')).toBe('-ERR command not found');
    expect(await client.replyText('exit')).toBe('+OK bye');
    await client.closed;
  });

  it('drops a client that does not authenticate within 25 s', async () => {
    const client = await EslTestClient.connect(f.sim.eslPort);
    await client.next((m) => m.kind === 'auth-request');
    await f.clock.advance(25_000);
    await client.closed;
  });

  it('answers api commands with api/response, unknown ones with Command not found!', async () => {
    const client = await f.inbound();
    expect(await client.api('status')).toMatch(/^UP 0 years, .*\nFreeSWITCH \(Version 1\.10\.12-release {2}64bit\) is ready\n/s);
    expect(await client.api('nosuchcmd')).toBe('-ERR nosuchcmd Command not found!\n');
    expect(await client.api('uuid_exists 9d3a3a1c-0000-0000-0000-000000000000')).toBe('false');
    expect(await client.api('uuid_kill 9d3a3a1c-0000-0000-0000-000000000000')).toBe('-ERR No such channel!\n');
    expect(await client.replyText('nosuchcommand at all')).toBe('-ERR command not found');
  });

  it('runs bgapi in the background, honouring Job-UUID, and reports a BACKGROUND_JOB', async () => {
    const client = await f.inbound();
    await client.request('event plain BACKGROUND_JOB');
    const reply = await client.request('bgapi status', { 'Job-UUID': 'b7d46c28-f4e4-4c5c-9a7e-9f3c8d1e2a10' });
    expect(reply.kind === 'command-reply' && reply.text).toBe('+OK Job-UUID: b7d46c28-f4e4-4c5c-9a7e-9f3c8d1e2a10');
    expect(reply.kind === 'command-reply' && reply.headers.get('Job-UUID')).toBe('b7d46c28-f4e4-4c5c-9a7e-9f3c8d1e2a10');
    const job = await client.event('BACKGROUND_JOB');
    expect(job.headers.get('Job-UUID')).toBe('b7d46c28-f4e4-4c5c-9a7e-9f3c8d1e2a10');
    expect(job.headers.get('Job-Command')).toBe('status');
    expect(job.headers.get('Job-Owner-UUID')).toBeUndefined();
    expect(job.body).toMatch(/^UP /);
    const own = await client.request('bgapi nosuchcmd arg1');
    const ownId = own.kind === 'command-reply' ? own.headers.get('Job-UUID') : undefined;
    expect(ownId).toMatch(/^[0-9a-f-]{36}$/);
    const second = await client.event('BACKGROUND_JOB');
    expect(second.headers.get('Job-UUID')).toBe(ownId);
    expect(second.headers.get('Job-Command-Arg')).toBe('arg1');
    expect(second.body).toBe('-ERR nosuchcmd Command not found!\n');
  });

  it('subscribes per connection format and refuses an empty subscription', async () => {
    const client = await f.inbound();
    expect(await client.replyText('event plain')).toBe('-ERR no keywords supplied');
    expect(await client.replyText('event json NOT_AN_EVENT')).toBe('-ERR no keywords supplied');
    expect(await client.replyText('event json BACKGROUND_JOB')).toBe('+OK event listener enabled json');
    await client.request('bgapi status');
    await client.event('BACKGROUND_JOB');
    const frame = client.frames.find((fr) => fr.headers.get('Content-Type')?.startsWith('text/event'));
    expect(frame?.headers.get('Content-Type')).toBe('text/event-json');
    expect(await client.replyText('nixevent BACKGROUND_JOB')).toBe('+OK events nixed');
    expect(await client.replyText('noevents')).toBe('+OK no longer listening for events');
    expect(await client.replyText('noevents')).toBe('-ERR not listening for events');
  });

  it('applies filters to every event, OR-ed, with deletion', async () => {
    const client = await f.inbound();
    await client.request('event plain ALL');
    expect(await client.replyText('filter Unique-ID 11111111-2222-4333-8444-555555555555')).toBe(
      '+OK filter added. [Unique-ID]=[11111111-2222-4333-8444-555555555555]',
    );
    // BACKGROUND_JOB has no Unique-ID: it is filtered away like everything else.
    await client.request('bgapi originate {origination_uuid=11111111-2222-4333-8444-555555555555}sofia/gateway/carrier/1000 &park');
    await client.event('CHANNEL_PARK');
    expect(client.eventNames()).not.toContain('BACKGROUND_JOB');
    expect(new Set(client.events().map((e) => e.headers.get('Unique-ID')))).toEqual(new Set(['11111111-2222-4333-8444-555555555555']));
    expect(await client.replyText('filter Event-Name BACKGROUND_JOB')).toBe('+OK filter added. [Event-Name]=[BACKGROUND_JOB]');
    await client.request('bgapi status');
    await client.event('BACKGROUND_JOB');
    expect(await client.replyText('filter delete Event-Name BACKGROUND_JOB')).toBe('+OK filter deleted. [Event-Name][BACKGROUND_JOB]');
    expect(await client.replyText('filter delete all')).toBe('+OK filter deleted. [all][]');
    expect(await client.replyText('filter Unique-ID')).toBe('-ERR invalid syntax');
  });

  it('ends with +OK bye and the 67-byte goodbye notice on exit', async () => {
    const client = await f.inbound();
    expect(await client.replyText('exit')).toBe('+OK bye');
    const notice = await client.notice();
    expect(Buffer.byteLength(notice.text)).toBe(67);
    expect(notice.headers.get('Content-Disposition')).toBeUndefined();
    await client.closed;
  });

  it.each([
    ['a bad Content-Length', 'sendmsg\ncall-command: execute\nContent-Length: banana\n\n'],
    ['a header line without a name', 'api status\nthis is not a header\n\n'],
    ['a body above the 16 MiB limit', 'sendmsg\nContent-Length: 16777217\n\n'],
  ])('closes a connection that sends %s and keeps serving others', async (_what, bytes) => {
    const bad = await f.inbound();
    const good = await f.inbound();
    bad.sendRaw(bytes);
    await bad.closed;
    expect(await good.api('uuid_exists x')).toBe('false');
    const fresh = await f.inbound();
    expect(await fresh.api('nosuchcmd')).toBe('-ERR nosuchcmd Command not found!\n');
  });

  it('reports commands to a command hook', async () => {
    const seen: string[] = [];
    f.sim.on('command', (connection, line) => seen.push(`${connection.kind}:${line}`));
    const client = await f.inbound();
    await client.api('status');
    expect(seen).toEqual(['inbound:auth ClueCon', 'inbound:api status']);
  });

  it('delivers nothing on a connection while its api command runs', async () => {
    const client = await f.inbound();
    await client.request('event plain CHANNEL_CREATE CHANNEL_HANGUP_COMPLETE');
    const reply = await client.api('originate sofia/gateway/carrier/2000 &park');
    expect(reply).toBe('-ERR USER_BUSY\n');
    await client.event('CHANNEL_HANGUP_COMPLETE');
    const order = client.messages.map((m) => (m.kind === 'event' ? m.event.name : m.kind));
    expect(order.indexOf('api-response')).toBeLessThan(order.indexOf('CHANNEL_CREATE'));
  });

  it('follows one channel with myevents <uuid>, and refuses an unknown one given a format', async () => {
    const client = await f.inbound();
    expect(await client.replyText('myevents 9d3a3a1c-0000-4000-8000-000000000000 json')).toBe('-ERR invalid uuid');
    const uuid = '9d3a3a1c-0000-4000-8000-000000000001';
    await client.api(`originate {origination_uuid=${uuid}}sofia/gateway/carrier/1000 &park`);
    await client.api('originate sofia/gateway/carrier/1000 &park');
    expect(await client.replyText(`myevents ${uuid}`)).toBe('+OK Events Enabled');
    expect(await client.replyText(`myevents ${uuid}`)).toBe('-ERR aready enabled.');
    f.sim.channels().forEach((c) => f.sim.hangup(c.uuid));
    await client.event('CHANNEL_HANGUP_COMPLETE');
    await client.settle();
    expect(new Set(client.events().map((e) => e.headers.get('Unique-ID')))).toEqual(new Set([uuid]));
  });

  it('numbers the events no client takes (they are not built), so a narrow subscription sees the numbers a wide one does', async () => {
    const sequences = async (subscription: string): Promise<Map<string, string | undefined>> => {
      const client = await f.inbound();
      await client.request(subscription);
      await client.api('originate sofia/gateway/carrier/1000 &park');
      f.sim.channels().forEach((c) => f.sim.hangup(c.uuid));
      await client.event('CHANNEL_HANGUP_COMPLETE');
      await client.settle();
      client.close();
      return new Map(client.events().map((event) => [event.name, event.headers.get('Event-Sequence')]));
    };
    const wide = await sequences('event plain ALL');
    await f.stop();
    f = await startSim();
    const narrow = await sequences('event plain CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE');
    expect([...narrow.keys()]).toEqual(['CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE']);
    expect(wide.size).toBeGreaterThan(4);
    expect(narrow).toEqual(new Map([...wide].filter(([name]) => narrow.has(name))));
  });

  it('fires what a client sends with sendevent, and answers log, nolog and divert_events', async () => {
    const client = await f.inbound();
    await client.request('event plain CUSTOM my::thing');
    const reply = await client.replyText('sendevent CUSTOM', { 'Event-Subclass': 'my::thing', Greeting: 'hello world' });
    expect(reply).toMatch(/^\+OK [0-9a-f-]{36}$/);
    const event = await client.event('CUSTOM');
    expect([event.headers.get('Greeting'), event.headers.get('Event-UUID')]).toEqual(['hello world', reply.slice(4)]);
    expect(await client.replyText('log debug')).toBe('+OK log level debug [7]');
    expect(await client.replyText('nolog')).toBe('+OK no longer logging');
    expect(await client.replyText('divert_events on')).toBe('-ERR not controlling a session.');
  });
});
