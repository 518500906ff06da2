import request from 'supertest';
import { testLogger } from '../../lib/log/logger';
import { createStore, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { encodeJsonCdr, type JsonCdrEncoding } from '../../lib/simulator';
import { FREESWITCH_CDR_PATH } from '../../lib/http/freeswitch-cdr';
import { basicAuthorization, CDR_USER } from '../../lib/cdr';
import { describeEachDatabase } from '../support/databases';
import { offlineEngine } from '../support/offline-engine';
import { AUTHORIZATION, CDR_SECRET, cdrApp, sampleCdr, type CdrApp } from './support';

function post(app: CdrApp['app'], cdr: Record<string, unknown>, options: { encode?: JsonCdrEncoding; authorization?: string | null; uuid?: string } = {}) {
  const { body, contentType } = encodeJsonCdr(JSON.stringify(cdr), options.encode);
  const uuid = options.uuid ?? (cdr.variables as { uuid: string }).uuid;
  const req = request(app).post(`${FREESWITCH_CDR_PATH}?uuid=${uuid}`).set('Content-Type', contentType).set('User-Agent', 'freeswitch-json/1.0');
  if (options.authorization !== null) req.set('Authorization', options.authorization ?? AUTHORIZATION);
  return req.send(body);
}

describeEachDatabase('POST /freeswitch/json-cdr', (getDb) => {
  let store: Store;
  let cdrs: CdrApp;
  const logger = testLogger();
  const warnings: string[] = [];

  beforeAll(async () => {
    const clock = new ManualClock(1_700_000_100_000);
    store = createStore(getDb(), () => clock.now());
    const { engine } = await offlineEngine({ db: getDb(), store, clock, logger, instanceId: 'cdr-endpoint-test' });
    jest.spyOn(logger, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
      return logger;
    });
    cdrs = cdrApp({ store, clock, logger, engine });
  });

  afterAll(() => jest.restoreAllMocks());

  it('refuses a post without the right credentials with 401 and a log line, storing nothing', async () => {
    const cdr = sampleCdr();
    const uuid = (cdr.variables as { uuid: string }).uuid;
    const wrong = [null, basicAuthorization(CDR_USER, `${CDR_SECRET}x`), basicAuthorization('admin', CDR_SECRET), 'Bearer whatever'];
    for (const authorization of wrong) {
      const response = await post(cdrs.app, cdr, { authorization });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="freeswitch-cdr"');
      expect(response.body).toEqual({ error: { code: 'unauthorized', message: 'wrong or missing credentials (json_cdr.conf.xml cred)' } });
    }
    expect(warnings.filter((line) => line.includes('wrong or missing credentials'))).toHaveLength(wrong.length);
    expect(await store.freeswitchCdrs.findByLegUuid(uuid)).toBeNull();
  });

  it.each<JsonCdrEncoding>(['false', 'true', 'base64'])('stores a CDR posted with encode=%s once; the same post again answers 200 and changes nothing', async (encode) => {
    const cdr = sampleCdr({ billsec: 17 });
    const uuid = (cdr.variables as { uuid: string }).uuid;
    const first = await post(cdrs.app, cdr, { encode });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ legUuid: uuid, outcome: 'unknown_leg' });
    const stored = await store.freeswitchCdrs.findByLegUuid(uuid);
    expect(stored).toMatchObject({ legUuid: uuid, node: 'fs1', billsec: 17, hangupCause: 'NORMAL_CLEARING', reconciliation: 'unknown_leg', raw: cdr });

    // FreeSWITCH retries a post whose answer it did not see: the repeat is harmless.
    const again = await post(cdrs.app, sampleCdr({ uuid, billsec: 99 }), { encode });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ legUuid: uuid, outcome: 'duplicate' });
    expect(await store.freeswitchCdrs.findByLegUuid(uuid)).toEqual(stored);
  });

  it('answers a body it cannot read with 400 and the precise reason, storing nothing', async () => {
    const cdr = sampleCdr({ variables: { billsec: 'forty' } });
    const uuid = (cdr.variables as { uuid: string }).uuid;
    const response = await post(cdrs.app, cdr);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { code: 'invalid_cdr', message: 'not a mod_json_cdr CDR: variables.billsec: expected whole seconds as a string of digits' } });
    expect(await store.freeswitchCdrs.findByLegUuid(uuid)).toBeNull();

    const notJson = await request(cdrs.app).post(`${FREESWITCH_CDR_PATH}?uuid=${uuid}`).set('Authorization', AUTHORIZATION).set('Content-Type', 'application/json').send('{"variables": {');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toMatch(/^the CDR is not JSON: /);

    const otherLeg = await post(cdrs.app, sampleCdr(), { uuid });
    expect(otherLeg.status).toBe(400);
    expect(otherLeg.body.error.message).toMatch(new RegExp(`^the URL names leg ${uuid} but the CDR is for leg `));

    const xml = await request(cdrs.app).post(FREESWITCH_CDR_PATH).set('Authorization', AUTHORIZATION).set('Content-Type', 'text/xml').send('<cdr/>');
    expect(xml.status).toBe(400);
    expect(xml.body.error.message).toContain('unsupported Content-Type "text/xml"');
    expect(cdrs.outcomes.filter((outcome) => outcome === 'invalid')).toHaveLength(4);
  });

  it('takes a CDR of a full JSON size that the API would refuse (over 64 kB)', async () => {
    const cdr = sampleCdr({ variables: { sip_full_via: 'x'.repeat(100_000) } });
    const response = await post(cdrs.app, cdr);
    expect(response.status).toBe(200);
  });

  it('refuses a body past the limit with 413 rather than reading it', async () => {
    const response = await post(cdrs.app, sampleCdr({ variables: { padding: 'x'.repeat(1_100_000) } }));
    expect(response.status).toBe(413);
  });
});
