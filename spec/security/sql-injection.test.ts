import express from 'express';
import request from 'supertest';
import { testLogger } from '../../lib/log/logger';
import { createSmsModule } from '../../lib/sms';
import { csrfOf, portalFixture, type PortalFixture } from '../portal/support/portal-fixture';
import { storeOrdering } from '../sms/support';
import { describeEachDatabase } from '../support/databases';
import { WRITABLE_TABLES, rowCounts } from './support/api-rig';
import { SQL_ATTACKS } from './support/hostile';

const SMS_SECRET = 'sql-test-secret';

describeEachDatabase('SQL injection', (getDb) => {
  let fixture: PortalFixture;
  let key: string;
  let operatorKey: string;
  let accountId: number;
  let baseline: Record<string, number>;

  beforeAll(async () => {
    fixture = await portalFixture(getDb());
    const subscriber = await fixture.subscriber();
    accountId = subscriber.account.id;
    key = (await fixture.store.apiKeys.create({ accountId, label: 'sql' })).plainKey;
    operatorKey = (await fixture.store.apiKeys.create({ accountId: null, label: 'operator' })).plainKey;
    baseline = await rowCounts(getDb());
  });
  afterAll(() => fixture.close());

  /** Every table is still there and nothing was deleted: no attack ran as SQL. */
  async function expectSchemaIntact(): Promise<void> {
    const now = await rowCounts(getDb());
    for (const table of WRITABLE_TABLES) expect({ table, shrank: (now[table] ?? 0) < (baseline[table] ?? 0) }).toEqual({ table, shrank: false });
    expect(await fixture.store.accounts.findById(accountId)).not.toBeNull();
  }

  it('names, payment references, idempotency keys and webhook URLs sent through the API are stored exactly as typed', async () => {
    const app = fixture.app();
    const api = (method: 'post' | 'get', path: string, bearer = key) => request(app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${bearer}`);
    for (const [i, attack] of SQL_ATTACKS.entries()) {
      const number = `+1202555${String(1000 + i)}`;
      const entry = await api('post', '/phone-book').send({ name: attack, number });
      expect(entry.status).toBe(201);
      expect((await fixture.store.phoneBook.find(accountId, number as never))?.name).toBe(attack.trim());

      const payment = await api('post', '/payments', operatorKey).send({ accountId, amountMinor: 1, method: attack.slice(0, 32), reference: attack });
      expect(payment.status).toBe(201);
      const [stored] = await fixture.store.payments.listForAccount(accountId, { limit: 1 });
      expect(stored).toMatchObject({ method: attack.slice(0, 32).trim(), reference: attack });

      const order = await api('post', '/callbacks').send({ source: '+12025550101', destination: '+12025550102', idempotencyKey: attack, statusWebhookUrl: `https://example.com/hook?q=${encodeURIComponent(attack)}` });
      expect(order.status).toBe(201);
      const request = await fixture.store.callbackRequests.findById((order.body as { id: string }).id);
      expect(request).toMatchObject({ idempotencyKey: attack, statusWebhookUrl: `https://example.com/hook?q=${encodeURIComponent(attack)}` });
    }
    await expectSchemaIntact();
  });

  it('injection in query parameters and path ids is refused as invalid input, never run', async () => {
    const app = fixture.app();
    for (const attack of SQL_ATTACKS) {
      const q = encodeURIComponent(attack);
      for (const path of [`/callbacks?state=${q}`, `/callbacks?limit=${q}`, `/history?from=${q}`, `/phone-book?accountId=${q}`, `/payments?limit=${q}`, `/recordings/${q}/file`]) {
        const response = await request(app).get(`/api/v1${path}`).set('Authorization', `Bearer ${key}`);
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
      }
      for (const path of [`/callbacks/${q}`, `/phone-book/${q}`]) {
        const response = await request(app).delete(`/api/v1${path}`).set('Authorization', `Bearer ${key}`);
        expect({ path, refused: [400, 404].includes(response.status) }).toEqual({ path, refused: true });
      }
    }
    await expectSchemaIntact();
  });

  it('account names given to the store (the CLI path) are stored exactly and found by exact name only', async () => {
    for (const attack of SQL_ATTACKS) {
      const account = await fixture.store.accounts.create({ name: `acct ${attack}`, currency: 'USD' });
      expect((await fixture.store.accounts.findByName(`acct ${attack}`))?.id).toBe(account.id);
    }
    expect(await fixture.store.accounts.findByName("' OR '1'='1")).toBeNull();
    await expectSchemaIntact();
  });

  it('a portal login or session cookie made of SQL is refused like any wrong one', async () => {
    const app = fixture.app({ loginLimit: { perIp: 1_000, perEmail: 1_000, windowMs: 60_000 } });
    for (const attack of SQL_ATTACKS) {
      const agent = request.agent(app);
      const token = csrfOf((await agent.get('/')).text);
      const login = await agent.post('/login').type('form').send({ _csrf: token, email: attack, password: attack });
      expect(login.status).toBe(401);
      const forged = await request(app).get('/portal/api/v1/balance').set('Cookie', `callback_session=${encodeURIComponent(attack)}`);
      expect(forged.status).toBe(401);
    }
    await expectSchemaIntact();
  });

  it('SMS texts, senders and gateway ids are stored exactly as received', async () => {
    const sms = createSmsModule(
      { store: fixture.store, ordering: storeOrdering(fixture.store), clock: fixture.clock, logger: testLogger() },
      { defaultCountry: 'US', sender: { kind: 'log' }, webhooks: { generic: { secret: SMS_SECRET } } },
    );
    try {
      const app = express().use(sms.router);
      let stored = 0;
      for (const [i, attack] of SQL_ATTACKS.entries()) {
        const id = `sql-${i}-${attack}`.slice(0, 64);
        const response = await request(app).post('/sms/inbound/generic').set('X-Callback-Secret', SMS_SECRET).send({ from: '+12025550199', to: '+12025550198', text: attack, id });
        expect(response.status).toBeLessThan(500);
        if (response.status === 200) {
          const [row] = await getDb()('sms_messages').where({ gateway_message_id: id });
          expect(row).toMatchObject({ text: attack });
          stored += 1;
        }
      }
      expect(stored).toBe(SQL_ATTACKS.length);
    } finally {
      sms.stop();
    }
    await expectSchemaIntact();
  });
});
