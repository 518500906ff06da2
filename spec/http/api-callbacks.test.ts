import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { minorUnits } from '../../lib/domain/money';
import { describeEachDatabase } from '../support/databases';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from './support/api-fixture';

const SOURCE = '+12025550101';
const DESTINATION = '+12025550202';

describeEachDatabase('REST API: callbacks and authentication', (getDb) => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await apiFixture(getDb(), { orderLimit: { limit: 5, windowMs: 60_000 } });
  });
  afterAll(() => f.engine.close());

  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

  describe('authentication', () => {
    it('refuses requests without a key, with a malformed header, an unknown or a revoked key', async () => {
      const { account, key } = await f.account();
      const none = await request(f.app).get('/api/v1/callbacks').expect(401);
      expect(none.body.error.code).toBe('unauthorized');
      expect(none.headers['www-authenticate']).toBe('Bearer');
      await request(f.app).get('/api/v1/callbacks').set('Authorization', `Basic ${key}`).expect(401);
      await request(f.app).get('/api/v1/callbacks').set(auth('not-a-key-we-issued-000000')).expect(401);
      const [apiKey] = await f.store.apiKeys.list(account.id);
      await f.store.apiKeys.revoke(apiKey!.id);
      const revoked = await request(f.app).get('/api/v1/callbacks').set(auth(key)).expect(401);
      expect(revoked.body).toEqual({ error: { code: 'unauthorized', message: `this API key (${apiKey!.prefix}…) was revoked; ask the operator for a new one` } });
    });

    it('serves the OpenAPI document without a key, and JSON 404s for unknown API routes', async () => {
      await request(f.app).get('/api/v1/openapi.json').expect(200);
      const { key } = await f.account();
      const missing = await request(f.app).get('/api/v1/nope').set(auth(key)).expect(404);
      expect(missing.body.error.code).toBe('not_found');
    });

    it('answers malformed and oversized bodies with JSON errors', async () => {
      const { key } = await f.account();
      const bad = await request(f.app).post('/api/v1/callbacks').set(auth(key)).set('Content-Type', 'application/json').send('{"source":').expect(400);
      expect(bad.body.error.code).toBe('invalid_json');
      const big = await request(f.app)
        .post('/api/v1/callbacks')
        .set(auth(key))
        .send({ source: SOURCE, padding: 'x'.repeat(100_000) })
        .expect(413);
      expect(big.body.error.code).toBe('body_too_large');
    });
  });

  describe('ordering', () => {
    it('orders a callback now, scheduled at once, with the caller-ID choice and webhook kept', async () => {
      const { account, key } = await f.account();
      const res = await request(f.app)
        .post('/api/v1/callbacks')
        .set(auth(key))
        .send({ source: '(202) 555-0101', destination: DESTINATION, callerIdPolicy: 'forward', statusWebhookUrl: 'https://example.com/hook' })
        .expect(201);
      expect(res.body).toMatchObject({
        accountId: account.id,
        trigger: 'api',
        source: SOURCE,
        destination: DESTINATION,
        mode: 'source_first',
        state: 'queued',
        callerIdPolicy: 'forward',
        statusWebhookUrl: 'https://example.com/hook',
        dueAt: f.clock.now(),
      });
      expect(res.headers.location).toBe(`callbacks/${res.body.id}`);
      expect(f.scheduled).toContainEqual({ requestId: res.body.id, dueAt: f.clock.now() });
      expect(res.body).not.toHaveProperty('claimedBy');
    });

    it('#17: keeps an order\'s own routing policy with the request, and refuses one that is no policy with a precise 400', async () => {
      const { key } = await f.account();
      const res = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, destination: DESTINATION, routingPolicy: 'priority' }).expect(201);
      expect((await f.store.callbackRequests.findById(res.body.id))?.data).toMatchObject({ routingPolicy: 'priority' });
      const plain = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, destination: DESTINATION }).expect(201);
      expect((await f.store.callbackRequests.findById(plain.body.id))?.data).not.toHaveProperty('routingPolicy');
      const bad = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, routingPolicy: 'fastest' }).expect(400);
      expect(bad.body.error).toMatchObject({ code: 'validation_failed', field: 'routingPolicy' });
      expect(bad.body.error.message).toContain('"cheapest"|"priority"');
    });

    it('orders at a time, read in the account\'s time zone unless it has an offset', async () => {
      const { key } = await f.account();
      // The clock is 2026-11-26T12:00Z; Berlin is UTC+1 then.
      const local = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, destination: DESTINATION, at: '2026-11-27T09:30:00' }).expect(201);
      expect(local.body.dueAt).toBe(Date.UTC(2026, 10, 27, 8, 30));
      const utc = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, at: '2026-11-27T09:30:00Z' }).expect(201);
      expect(utc.body.dueAt).toBe(Date.UTC(2026, 10, 27, 9, 30));
      const past = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, at: '2020-01-01T00:00:00Z' }).expect(400);
      expect(past.body.error).toMatchObject({ code: 'validation_failed', field: 'at' });
    });

    it('#18 item 6: refuses an `at` more than 365 days ahead or in a daylight-saving gap, as SMS does', async () => {
      const { key } = await f.account();
      // The clock is 2026-11-26T12:00Z; the account is in Berlin, whose clocks skip 02:00–03:00 on 2027-03-28.
      const far = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, at: '2027-11-27T09:30:00Z' }).expect(400);
      expect(far.body.error).toMatchObject({ code: 'validation_failed', field: 'at', message: '"2027-11-27T09:30:00Z" is more than 365 days ahead' });
      const gap = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, at: '2027-03-28T02:30:00' }).expect(400);
      expect(gap.body.error).toMatchObject({
        code: 'validation_failed',
        field: 'at',
        message: '"2027-03-28T02:30:00" does not exist in Europe/Berlin: the clocks skip it for daylight saving time',
      });
      const yearAhead = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, at: '2027-11-26T12:00:00Z' }).expect(201);
      expect(yearAhead.body.dueAt).toBe(Date.UTC(2027, 10, 26, 12, 0));
    });

    it('returns the earlier request for a repeated idempotency key (body or header)', async () => {
      const { key } = await f.account();
      const first = await request(f.app).post('/api/v1/callbacks').set(auth(key)).set('Idempotency-Key', 'abc-1').send({ source: SOURCE, destination: DESTINATION }).expect(201);
      const again = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, destination: DESTINATION, idempotencyKey: 'abc-1' }).expect(200);
      expect(again.body.id).toBe(first.body.id);
    });

    it('names the offending field of an invalid order', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{}, 'source'],
        [{ source: 'hello' }, 'source'],
        [{ source: SOURCE, destination: '12' }, 'destination'],
        [{ source: SOURCE, mode: 'sideways' }, 'mode'],
        [{ source: SOURCE, mode: 'simultaneous' }, 'destination'],
        [{ source: SOURCE, statusWebhookUrl: 'ftp://x' }, 'statusWebhookUrl'],
        [{ source: SOURCE, colour: 'red' }, ''],
      ];
      for (const [body, field] of cases) {
        // A fresh account each time: refused orders count against the order rate limit too.
        const { key } = await f.account();
        const res = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send(body).expect(400);
        expect(res.body.error.code).toBe('validation_failed');
        if (field) expect(res.body.error.field).toBe(field);
        expect(typeof res.body.error.message).toBe('string');
      }
    });

    it('rate-limits ordering per account', async () => {
      const { key } = await f.account();
      const other = await f.account();
      for (let i = 0; i < 5; i += 1) await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE }).expect(201);
      const limited = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE }).expect(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await request(f.app).post('/api/v1/callbacks').set(auth(other.key)).send({ source: SOURCE }).expect(201);
      await f.clock.advance(60_000);
      await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE }).expect(201);
    });
  });

  describe('reading and cancelling', () => {
    it('lists with filters and paging, newest first', async () => {
      const { key } = await f.account();
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        await f.clock.advance(1_000);
        ids.push((await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, idempotencyKey: `page-${i}` }).expect(201)).body.id);
      }
      await request(f.app).delete(`/api/v1/callbacks/${ids[0]}`).set(auth(key)).expect(200);
      const first = await request(f.app).get('/api/v1/callbacks?limit=2').set(auth(key)).expect(200);
      expect(first.body.items.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1]]);
      expect(first.body).toMatchObject({ limit: 2, offset: 0, nextOffset: 2 });
      const second = await request(f.app).get('/api/v1/callbacks?limit=2&offset=2').set(auth(key)).expect(200);
      expect(second.body).toMatchObject({ items: [{ id: ids[0], state: 'cancelled' }], nextOffset: null });
      const cancelled = await request(f.app).get('/api/v1/callbacks?state=cancelled').set(auth(key)).expect(200);
      expect(cancelled.body.items.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
      const bad = await request(f.app).get('/api/v1/callbacks?state=lost&limit=0').set(auth(key)).expect(400);
      expect(bad.body.error.field).toMatch(/^query\./);
    });

    it('shows a callback with its legs and their costs', async () => {
      const { key } = await f.account();
      const { body } = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE, destination: DESTINATION }).expect(201);
      const a = randomUUID();
      const b = randomUUID();
      await f.store.legs.create({ uuid: a, requestId: body.id, role: 'A', number: SOURCE, state: 'completed' });
      await f.store.legs.create({ uuid: b, requestId: body.id, role: 'B', number: DESTINATION, state: 'no_answer' });
      await f.store.legs.update(a, { billsec: 61, costMinor: minorUnits(3), hangupCause: 'NORMAL_CLEARING' });
      await f.store.legs.update(b, { costMinor: minorUnits(0), hangupCause: 'NO_ANSWER' });
      const res = await request(f.app).get(`/api/v1/callbacks/${body.id}`).set(auth(key)).expect(200);
      expect(res.body).toMatchObject({ id: body.id, costMinor: 3 });
      expect(res.body.legs).toEqual([
        expect.objectContaining({ uuid: a, role: 'A', status: 'completed', billsec: 61, costMinor: 3, hangupCause: 'NORMAL_CLEARING' }),
        expect.objectContaining({ uuid: b, role: 'B', status: 'no-answer', costMinor: 0, hangupCause: 'NO_ANSWER' }),
      ]);
    });

    it('cancels a waiting callback once; a second cancel is a conflict', async () => {
      const { key } = await f.account();
      const { body } = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: SOURCE }).expect(201);
      const res = await request(f.app).delete(`/api/v1/callbacks/${body.id}`).set(auth(key)).expect(200);
      expect(res.body).toMatchObject({ cancelled: true, callback: { id: body.id, state: 'cancelled', lastCause: 'CANCELLED' } });
      const again = await request(f.app).delete(`/api/v1/callbacks/${body.id}`).set(auth(key)).expect(409);
      expect(again.body.error.code).toBe('not_cancellable');
      await request(f.app).get(`/api/v1/callbacks/${randomUUID()}`).set(auth(key)).expect(404);
    });
  });

  describe('isolation between accounts', () => {
    it('never shows or lets another account act on a callback', async () => {
      const alice = await f.account();
      const bob = await f.account();
      const { body } = await request(f.app).post('/api/v1/callbacks').set(auth(alice.key)).send({ source: SOURCE }).expect(201);
      await request(f.app).get(`/api/v1/callbacks/${body.id}`).set(auth(bob.key)).expect(404);
      await request(f.app).delete(`/api/v1/callbacks/${body.id}`).set(auth(bob.key)).expect(404);
      await request(f.app).get(`/api/v1/callbacks/${body.id}/events`).set(auth(bob.key)).expect((res) => expect([404]).toContain(res.status));
      const list = await request(f.app).get('/api/v1/callbacks').set(auth(bob.key)).expect(200);
      expect(list.body.items.map((c: { id: string }) => c.id)).not.toContain(body.id);
      const named = await request(f.app).get(`/api/v1/callbacks?accountId=${alice.account.id}`).set(auth(bob.key)).expect(403);
      expect(named.body.error.code).toBe('forbidden');
      await request(f.app).post('/api/v1/callbacks').set(auth(bob.key)).send({ accountId: alice.account.id, source: SOURCE }).expect(403);
      expect((await f.store.callbackRequests.findById(body.id))?.state).toBe('queued');
    });

    it('lets the operator see every account and order for one it names', async () => {
      const alice = await f.account();
      const { body } = await request(f.app).post('/api/v1/callbacks').set(auth(alice.key)).send({ source: SOURCE }).expect(201);
      await request(f.app).get(`/api/v1/callbacks/${body.id}`).set(auth(OPERATOR_KEY)).expect(200);
      const filtered = await request(f.app).get(`/api/v1/callbacks?accountId=${alice.account.id}`).set(auth(OPERATOR_KEY)).expect(200);
      expect(filtered.body.items.every((c: { accountId: number }) => c.accountId === alice.account.id)).toBe(true);
      const missing = await request(f.app).post('/api/v1/callbacks').set(auth(OPERATOR_KEY)).send({ source: SOURCE }).expect(400);
      expect(missing.body.error.field).toBe('accountId');
      const ordered = await request(f.app).post('/api/v1/callbacks').set(auth(OPERATOR_KEY)).send({ accountId: alice.account.id, source: SOURCE }).expect(201);
      expect(ordered.body.accountId).toBe(alice.account.id);
      // An operator key stored in the database (accountId null) works as well.
      const { plainKey } = await f.store.apiKeys.create({ accountId: null, label: 'ops' });
      await request(f.app).get(`/api/v1/callbacks/${body.id}`).set(auth(plainKey)).expect(200);
    });
  });
});
