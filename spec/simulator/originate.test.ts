import { parseDialString, parseVarBlock, splitArgs } from '../../lib/simulator/dial-string';
import { startSim, type SimFixture } from './sim-fixture';

const A = 'a0000000-0000-4000-8000-000000000001';
const B = 'b0000000-0000-4000-8000-000000000002';

describe('dial strings', () => {
  it('splits originate arguments on spaces, keeping quotes and variable blocks together', () => {
    expect(splitArgs(`{a=1,b='x y'}sofia/gateway/gw/123 '&socket(127.0.0.1:8084 async full)' XML default`)).toEqual([
      `{a=1,b='x y'}sofia/gateway/gw/123`,
      '&socket(127.0.0.1:8084 async full)',
      'XML',
      'default',
    ]);
  });

  it('reads {} variables with quotes and \\, escapes', () => {
    expect(parseVarBlock(`origination_caller_id_name='Call Back',list=a\\,b,x=1`)).toEqual([
      ['origination_caller_id_name', 'Call Back'],
      ['list', 'a,b'],
      ['x', '1'],
    ]);
  });

  it('understands gateway and profile endpoints and refuses what it cannot parse', () => {
    const gateway = parseDialString('{origination_uuid=u}[leg=1]sofia/gateway/carrier/+15550001');
    expect(gateway).toEqual({
      ok: true,
      value: { vars: [['origination_uuid', 'u'], ['leg', '1']], endpoint: { kind: 'gateway', gateway: 'carrier', number: '+15550001' } },
    });
    expect(parseDialString('user/1001@pbx.local')).toEqual({ ok: true, value: { vars: [], endpoint: { kind: 'user', number: '1001', domain: 'pbx.local' } } });
    expect(parseDialString('user/1001')).toMatchObject({ ok: true, value: { endpoint: { kind: 'user', number: '1001', domain: undefined } } });
    expect(parseDialString('user/1001@').ok).toBe(false);
    expect(parseDialString('sofia/external/8000@127.0.0.1:5060')).toMatchObject({ ok: true, value: { endpoint: { kind: 'profile', number: '8000' } } });
    for (const bad of ['', '{unterminated', 'nonsense', 'sofia/gateway/', 'sofia/gateway/gw/1,sofia/gateway/gw/2']) {
      expect(parseDialString(bad).ok).toBe(false);
    }
  });
});

describe('simulator originate', () => {
  let f: SimFixture;
  beforeEach(async () => {
    f = await startSim({
      phones: {
        '1000': { kind: 'answer' },
        '1500': { kind: 'answer', ringing: true, afterMs: 1500, hangupAfterMs: 3000 },
        '2000': { kind: 'busy' },
        '3000': { kind: 'no-answer' },
        '6000': { kind: 'unallocated' },
        '7000': { kind: 'congestion' },
        '8000': { kind: 'reject', cause: 'CALL_REJECTED' },
        '+15550009': { kind: 'answer' },
      },
    });
  });
  afterEach(() => f.stop());

  it('answers: +OK <uuid>, CREATE, ANSWER, the job, then the application', async () => {
    const client = await f.watcher();
    await client.request(`bgapi originate {origination_uuid=${A},origination_caller_id_number=5551000}sofia/gateway/carrier/1000 &park()`, { 'Job-UUID': B });
    const job = await client.event('BACKGROUND_JOB');
    expect(job.body).toBe(`+OK ${A}\n`);
    expect(job.headers.get('Job-Command')).toBe('originate');
    await client.event('CHANNEL_PARK');
    expect(client.eventNames()).toEqual(['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'BACKGROUND_JOB', 'CHANNEL_EXECUTE', 'CHANNEL_PARK']);
    const create = client.events()[0];
    expect(create?.headers.get('Channel-Name')).toBe('sofia/internal/1000');
    expect(create?.headers.get('Caller-Caller-ID-Number')).toBe('5551000');
    expect(create?.headers.get('variable_origination_caller_id_number')).toBe('5551000');
    const view = f.sim.channel(A);
    expect(view).toMatchObject({ answerState: 'answered', application: 'park', callerIdNumber: '1000', destination: '1000' });
    expect(f.sim.channels().map((c) => c.uuid)).toEqual([A]);
  });

  it('normalises a leading + in the dialled number', async () => {
    const client = await f.inbound();
    expect(await client.api(`originate {origination_uuid=${A}}sofia/gateway/carrier/15550009 &park`)).toBe(`+OK ${A}\n`);
  });

  it.each([
    ['2000', 'USER_BUSY', '486'],
    ['6000', 'UNALLOCATED_NUMBER', '404'],
    ['7000', 'NORMAL_CIRCUIT_CONGESTION', '503'],
    ['8000', 'CALL_REJECTED', '603'],
  ])('a phone at %s fails the originate with -ERR %s after the leg is gone', async (number, cause, sip) => {
    const result = `-ERR ${cause}\n`;
    const client = await f.watcher();
    await client.request(`bgapi originate {origination_uuid=${A}}sofia/gateway/carrier/${number} &park`);
    const job = await client.event('BACKGROUND_JOB');
    expect(job.body).toBe(result);
    expect(client.eventNames()).toEqual(['CHANNEL_CREATE', 'CHANNEL_HANGUP', 'CHANNEL_STATE', 'CHANNEL_STATE', 'CHANNEL_HANGUP_COMPLETE', 'BACKGROUND_JOB']);
    const complete = client.events().find((e) => e.name === 'CHANNEL_HANGUP_COMPLETE');
    expect(complete?.headers.get('variable_sip_term_status')).toBe(sip);
    expect(complete?.headers.get('variable_hangup_cause')).toBe(cause);
    expect(complete?.headers.get('variable_billsec')).toBe('0');
    expect(f.sim.channel(A)?.hangupCause).toBe(cause);
  });

  it('rings until originate_timeout in whole seconds, reports NO_ANSWER, then hangs the leg up', async () => {
    const client = await f.watcher();
    await f.clock.advance(700); // 0.7 s into a second: a 4 s timeout fires 3.3 s later
    await client.request(`bgapi originate {origination_uuid=${A},originate_timeout=4}sofia/gateway/carrier/3000 &park`);
    await client.event('CHANNEL_PROGRESS');
    await f.clock.advance(3200);
    expect(client.eventNames()).not.toContain('BACKGROUND_JOB');
    await f.clock.advance(100);
    const job = await client.event('BACKGROUND_JOB');
    expect(job.body).toBe('-ERR NO_ANSWER\n');
    await client.event('CHANNEL_HANGUP_COMPLETE');
    expect(client.eventNames()).toEqual(['CHANNEL_CREATE', 'CHANNEL_PROGRESS', 'BACKGROUND_JOB', 'CHANNEL_HANGUP', 'CHANNEL_STATE', 'CHANNEL_STATE', 'CHANNEL_HANGUP_COMPLETE']);
  });

  it('rings (CHANNEL_PROGRESS), answers after its delay and hangs up by itself later', async () => {
    const client = await f.watcher();
    await client.request(`bgapi originate {origination_uuid=${A}}sofia/gateway/carrier/1500 &park`);
    await client.event('CHANNEL_PROGRESS');
    await f.clock.advance(1500);
    await client.event('CHANNEL_ANSWER');
    await f.clock.advance(3000);
    const hangup = await client.event('CHANNEL_HANGUP');
    expect(hangup.headers.get('Hangup-Cause')).toBe('NORMAL_CLEARING');
    const complete = await client.event('CHANNEL_HANGUP_COMPLETE');
    expect(complete.headers.get('variable_sip_hangup_disposition')).toBe('recv_bye');
    expect(complete.headers.get('variable_billsec')).toBe('3');
    expect(complete.headers.get('variable_duration')).toBe('4');
    expect(complete.headers.getAll('Hangup-Cause')).toEqual(['NORMAL_CLEARING', 'NORMAL_CLEARING']);
  });

  it('rings a registered user at the phone of its extension, and fails an unregistered or unknown one without a channel, as FreeSWITCH 1.10.12', async () => {
    const client = await f.watcher();
    expect(await client.api(`originate {origination_uuid=${A}}user/1000@pbx.local &park`)).toBe('-ERR SUBSCRIBER_ABSENT\n');
    f.sim.registerUser('1000', 'pbx.local', false);
    expect(await client.api(`originate {origination_uuid=${A}}user/1000@pbx.local &park`)).toBe('-ERR USER_NOT_REGISTERED\n');
    expect(client.eventNames()).toEqual([]);
    f.sim.registerUser('1000', 'pbx.local');
    expect(await client.api(`originate {origination_uuid=${A}}user/1000@other.local &park`)).toBe('-ERR SUBSCRIBER_ABSENT\n');
    expect(await client.api(`originate {origination_uuid=${A}}user/1000@pbx.local &park`)).toBe(`+OK ${A}\n`);
    expect(client.events()[0]?.headers.get('Channel-Name')).toBe('sofia/internal/1000@pbx.local');
    // What FreeSWITCH 1.10.12's CHANNEL_CREATE of a user/ leg carries from the directory's dial-string.
    expect(client.events()[0]?.headers.get('Channel-Presence-ID')).toBe('1000@pbx.local');
    expect(client.events()[0]?.headers.get('variable_dialed_user')).toBe('1000');
    expect(client.events()[0]?.headers.get('variable_dialed_domain')).toBe('pbx.local');
    expect(client.events()[0]?.headers.get('variable_presence_id')).toBe('1000@pbx.local');
    f.sim.registerUser('1000');
    expect(await client.api(`originate {origination_uuid=${B}}user/1000 &park`)).toBe(`+OK ${B}\n`);
    f.sim.registerUser('1000', 'pbx.local', false);
    expect(await client.api(`originate user/1000@pbx.local &park`)).toBe('-ERR USER_NOT_REGISTERED\n');
  });

  it('refuses an unknown gateway without creating a channel, and bad dial strings', async () => {
    const client = await f.watcher();
    expect(await client.api('originate sofia/gateway/nosuchgw/1000 &park')).toBe('-ERR INVALID_GATEWAY\n');
    expect(await client.api('originate {a=1}nonsense &park')).toBe('-ERR INVALID_URL\n');
    expect(await client.api('originate {broken sofia/gateway/carrier/1000 &park')).toMatch(/^-(ERR|USAGE)/);
    expect(await client.api('originate sofia/gateway/carrier/1000 &bad(')).toBe('-ERR INVALID_URL\n');
    expect(await client.api('originate loopback/1000 &park')).toBe('-ERR CHAN_NOT_IMPLEMENTED\n');
    expect(await client.api('originate')).toMatch(/^-USAGE/);
    expect(client.eventNames()).toEqual([]);
  });

  it('kills, inspects and lists channels', async () => {
    const client = await f.inbound();
    await client.api(`originate {origination_uuid=${A}}sofia/gateway/carrier/1000 &park`);
    await client.api(`originate {origination_uuid=${B}}sofia/gateway/carrier/1000 &park`);
    expect(await client.api(`uuid_exists ${A}`)).toBe('true');
    expect(await client.api(`uuid_setvar ${A} foo bar baz`)).toBe('+OK\n');
    expect(await client.api(`uuid_getvar ${A} foo`)).toBe('bar baz');
    expect(await client.api(`uuid_getvar ${A} nothing`)).toBe('_undef_');
    const csv = await client.api('show channels');
    expect(csv.split('\n')[0]).toMatch(/^uuid,direction,created,created_epoch,name,state,cid_name,cid_num/);
    expect(csv).toMatch(/\n\n2 total\.\n$/);
    const json = JSON.parse(await client.api('show channels as json')) as { row_count: number; rows: Array<{ uuid: string }> };
    expect(json.row_count).toBe(2);
    expect(json.rows.map((r) => r.uuid).sort()).toEqual([A, B]);
    expect(await client.api(`uuid_kill ${A} USER_BUSY`)).toBe('+OK\n');
    expect(await client.api('hupall')).toBe('+OK hangup all channels with cause MANAGER_REQUEST\n');
    await client.settle();
    expect(f.sim.channel(A)?.hangupCause).toBe('USER_BUSY');
    expect(f.sim.channel(B)?.hangupCause).toBe('MANAGER_REQUEST');
    expect(JSON.parse(await client.api('show channels as json'))).toEqual({ row_count: 0 });
    expect(await client.api('show channels')).toBe('\n0 total.\n');
    expect(await client.api(`uuid_exists ${A}`)).toBe('false');
  });

  it('plays a sequence of behaviours, one per call, the last one repeating', async () => {
    f.sim.setPhone('+4000', [{ kind: 'busy' }, { kind: 'reject', cause: 'NO_ROUTE_DESTINATION' }, { kind: 'answer' }]);
    const client = await f.inbound();
    const results: string[] = [];
    for (let i = 0; i < 4; i++) results.push(await client.api('originate sofia/gateway/carrier/4000 &park'));
    expect(results.map((r) => r.replace(/[0-9a-f-]{36}/, '<uuid>'))).toEqual(['-ERR USER_BUSY\n', '-ERR NO_ROUTE_DESTINATION\n', '+OK <uuid>\n', '+OK <uuid>\n']);
    // Setting the phone again starts its sequence over.
    f.sim.setPhone('4000', [{ kind: 'busy' }, { kind: 'answer' }]);
    expect(await client.api('originate sofia/gateway/carrier/4000 &park')).toBe('-ERR USER_BUSY\n');
    expect(() => f.sim.setPhone('4000', [])).toThrow(/at least one/);
  });

  it('lets the far end hang up and press keys through the API of the simulator', async () => {
    const client = await f.watcher();
    await client.api(`originate {origination_uuid=${A}}sofia/gateway/carrier/1000 &park`);
    expect(f.sim.sendDtmf(A, '12')).toBe(true);
    const dtmf = await client.event('DTMF');
    expect([dtmf.headers.get('DTMF-Digit'), dtmf.headers.get('DTMF-Duration'), dtmf.headers.get('DTMF-Source')]).toEqual(['1', '2080', 'RTP']);
    expect(f.sim.hangup(A, 'NORMAL_CLEARING')).toBe(true);
    const complete = await client.event('CHANNEL_HANGUP_COMPLETE');
    expect(complete.headers.get('variable_sip_hangup_disposition')).toBe('recv_bye');
    expect(complete.headers.get('variable_digits_dialed')).toBe('12');
    expect(f.sim.hangup(A)).toBe(false);
    expect(f.sim.channel(A)?.dtmfPressed).toEqual(['1', '2']);
  });
});
