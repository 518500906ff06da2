import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DEMO } from '../../db/seeds/demo';
import { testLogger } from '../../lib/log/logger';
import { startService, type RunningService } from '../../lib/service/start-service';
import { HOUSEKEEPING_INTERVAL_MS } from '../../lib/service/housekeeping';
import { createStore, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { csrfOf } from '../portal/support/portal-fixture';
import { eventually } from '../sms/support';
import { embeddedServiceSettings } from '../support/service-settings';

const SMS_SECRET = 'sms-gateway-secret-for-tests';
const SESSION_TTL_MS = 12 * 3600_000;

/** The abuse limits as `npm start` assembles them: settings → service → HTTP, on a clock the test moves. */
describe('abuse limits in the assembled service', () => {
  let dir: string;
  let clock: ManualClock;
  let service: RunningService;
  let store: Store;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callback-abuse-'));
    clock = new ManualClock();
    const settings = embeddedServiceSettings(dir, {
      CALLBACK_SMS_GENERIC_SECRET: SMS_SECRET,
      CALLBACK_SMS_COMMANDS_PER_SENDER: '2',
      CALLBACK_SMS_SENDER_WINDOW_MINUTES: '5',
      CALLBACK_HTTP_ORDERS_PER_ACCOUNT: '2',
      CALLBACK_HTTP_ORDER_WINDOW_SECONDS: '30',
    });
    expect([settings.sms.commandsPerSender, settings.sms.senderWindowMinutes, settings.http.ordersPerAccount, settings.http.orderWindowSeconds]).toEqual([2, 5, 2, 30]);
    service = await startService(settings, testLogger(), clock);
    store = createStore(service.db, () => clock.now());
    base = `http://127.0.0.1:${service.httpPort}`;
  });
  afterAll(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function sms(fields: Record<string, string>) {
    return request(base).post('/sms/inbound/generic').set('X-Callback-Secret', SMS_SECRET).send({ to: '+12125550000', id: randomUUID(), ...fields });
  }

  async function count(table: string): Promise<number> {
    const [row] = await service.db(table).count<Array<{ n: number | string }>>({ n: '*' });
    return Number(row?.n);
  }

  it("the SMS endpoints' own 16 kB body limit holds behind the app's 64 kB parser: a 20 kB JSON or form body is answered 413 and nothing is stored", async () => {
    const before = await count('sms_messages');
    const text = 'x'.repeat(20 * 1024);
    const json = await sms({ from: DEMO.callerId, text });
    expect([json.status, json.body.error?.code, json.body.error?.message]).toEqual([413, 'body_too_large', 'the body is larger than 16kb']);
    const form = await request(base)
      .post('/sms/inbound/generic')
      .set('X-Callback-Secret', SMS_SECRET)
      .type('form')
      .send(`from=%2B12125550100&to=%2B12125550000&id=${randomUUID()}&text=${text}`);
    expect([form.status, form.body.error?.code]).toEqual([413, 'body_too_large']);
    expect(await count('sms_messages')).toBe(before);
    // Just under the limit the body is read, and its text refused as no SMS could be that long.
    const fits = await sms({ from: DEMO.callerId, text: 'x'.repeat(15 * 1024) });
    expect([fits.status, fits.body.error?.code]).toEqual([400, 'invalid_field']);
  });

  it('acts on at most sms.commandsPerSender messages per sender and window, and stores the rest as rate_limited', async () => {
    await clock.advance(5 * 60_000);
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await sms({ from: DEMO.callerId, text: '#balance' }).expect(200)).body.status);
    expect(statuses).toEqual(['processed', 'processed', 'rate_limited', 'rate_limited']);
  });

  it('answers API orders beyond http.ordersPerAccount with 429, Retry-After and a JSON body', async () => {
    const account = await store.accounts.findByName(DEMO.accountName);
    const { plainKey } = await store.apiKeys.create({ accountId: account!.id, label: 'burst' });
    const order = () => request(base).post('/api/v1/callbacks').set('Authorization', `Bearer ${plainKey}`).send({ source: DEMO.callerId, at: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    await order().expect(201);
    await order().expect(201);
    const refused = await order().expect(429).expect('Content-Type', /json/);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('deletes expired portal sessions on its clock, without anyone logging in again', async () => {
    const agent = request.agent(base);
    const form = await agent.get('/').expect(200);
    await agent.post('/login').type('form').send({ _csrf: csrfOf(form.text), email: DEMO.portalEmail, password: DEMO.portalPassword }).expect(303);
    const sessions = await count('portal_sessions');
    expect(sessions).toBeGreaterThan(0);
    await clock.advance(SESSION_TTL_MS - HOUSEKEEPING_INTERVAL_MS);
    expect(await count('portal_sessions')).toBe(sessions);
    // Each look moves the clock on by a round: a round still running when an advance ends is only rescheduled after it.
    await eventually(async () => {
      await clock.advance(HOUSEKEEPING_INTERVAL_MS);
      return (await count('portal_sessions')) === 0;
    }, 'the expired session to be deleted');
  });
});
