import type { Knex } from 'knex';
import request from 'supertest';
import { apiFixture, type ApiFixture } from '../http/support/api-fixture';
import { logIn, portalFixture, type PortalFixture } from '../portal/support/portal-fixture';
import { describeEachDatabase } from '../support/databases';
import { secondInstance } from './support/second-instance';

const ORDER_LIMIT = { limit: 5, windowMs: 60_000 };
const SOURCE = '+12025550101';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

describeEachDatabase('callback orders per account (rate limit in the database)', (getDb) => {
  let otherDb: Knex;
  let one: ApiFixture;
  let two: ApiFixture;
  let portal: PortalFixture;

  beforeAll(async () => {
    otherDb = secondInstance(getDb());
    one = await apiFixture(getDb(), { orderLimit: ORDER_LIMIT });
    // A second instance: its own pool, engine and clock; only the database is shared.
    two = await apiFixture(otherDb, { orderLimit: ORDER_LIMIT });
    portal = await portalFixture(getDb());
  });
  afterAll(async () => {
    one.engine.close();
    two.engine.close();
    await portal.close();
    await otherDb.destroy();
  });

  it('a parallel burst of orders from one key across two instances gets exactly the limit placed; the rest answer 429 with Retry-After and a JSON body saying why', async () => {
    const { account, key } = await one.account();
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => request((i % 2 === 0 ? one : two).app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, idempotencyKey: `burst-${i}` })),
    );
    expect(burst.filter((response) => response.status === 201)).toHaveLength(ORDER_LIMIT.limit);
    const refused = burst.filter((response) => response.status !== 201);
    expect(refused).toHaveLength(12 - ORDER_LIMIT.limit);
    for (const response of refused) {
      expect(response.status).toBe(429);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      const wait = Number(response.headers['retry-after']);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(60);
      expect(response.body).toEqual({ error: { code: 'rate_limited', message: `too many callback orders: at most 5 per 60 s for an account; retry in ${wait} s` } });
    }
    expect(await one.store.callbackRequests.list({ accountId: account.id })).toHaveLength(ORDER_LIMIT.limit);
  });

  it('the limit is per account: one account over it does not hold up another, and its window reopens', async () => {
    const busy = await one.account();
    const other = await one.account();
    for (let i = 0; i < ORDER_LIMIT.limit; i += 1) await request(one.app).post('/api/v1/callbacks').set(auth(busy.key)).send({ source: SOURCE }).expect(201);
    await request(two.app).post('/api/v1/callbacks').set(auth(busy.key)).send({ source: SOURCE }).expect(429);
    await request(two.app).post('/api/v1/callbacks').set(auth(other.key)).send({ source: SOURCE }).expect(201);
    await two.clock.advance(ORDER_LIMIT.windowMs);
    await request(two.app).post('/api/v1/callbacks').set(auth(busy.key)).send({ source: SOURCE }).expect(201);
  });

  it('the API, the portal form and the portal API mount share one budget per account', async () => {
    const app = portal.app({ orderLimit: ORDER_LIMIT });
    const subscriber = await portal.subscriber();
    const { plainKey } = await portal.store.apiKeys.create({ accountId: subscriber.account.id, label: 'script' });
    for (let i = 0; i < 3; i += 1) await request(app).post('/api/v1/callbacks').set(auth(plainKey)).send({ source: subscriber.number }).expect(201);
    const { agent, csrf } = await logIn(app, subscriber.email);
    for (let i = 0; i < 2; i += 1) await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: subscriber.number, when: 'now' }).expect(303);
    const page = await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: subscriber.number, when: 'now' }).expect(429);
    expect(page.text).toContain('too many callback orders');
    expect(Number(page.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const mounted = await agent.post('/portal/api/v1/callbacks').set('X-CSRF-Token', csrf).send({ source: subscriber.number }).expect(429);
    expect(mounted.body.error.code).toBe('rate_limited');
  });
});
