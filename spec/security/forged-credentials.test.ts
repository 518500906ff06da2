import crypto from 'node:crypto';
import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { sign, verifySignature } from '../../lib/http/webhooks/signature';
import { sameToken } from '../../lib/http/portal/session';
import { testLogger } from '../../lib/log/logger';
import { accessCheck } from '../../lib/sms/adapters/access';
import { createSmsModule } from '../../lib/sms';
import { hashSecret, sameHex, sha256Hex, verifySecret } from '../../lib/store/secrets';
import { storeOrdering } from '../sms/support';
import { describeEachDatabase } from '../support/databases';
import { OPERATOR_KEY, concretePath, hostileApi, rowCounts, servedRoutes } from './support/api-rig';
import { SQL_ATTACKS } from './support/hostile';
import type { ApiFixture } from '../http/support/api-fixture';

const NOW = 1_790_000_000_000;
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

describe('webhook signatures', () => {
  it('a signature verifies only for its own secret, body and time: any forged or altered part is refused', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 200 }), fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 200 }), hex64, (secret, body, otherSecret, otherBody, forgedMac) => {
        const header = sign(secret, body, NOW);
        expect(verifySignature(secret, header, body, NOW)).toBe(true);
        if (otherSecret !== secret) expect(verifySignature(otherSecret, header, body, NOW)).toBe(false);
        if (otherBody !== body) expect(verifySignature(secret, header, otherBody, NOW)).toBe(false);
        // Moving the signed time (to dodge the replay window) breaks the MAC.
        expect(verifySignature(secret, header.replace(`t=${NOW}`, `t=${NOW + 1}`), body, NOW)).toBe(false);
        const mac = header.split('v1=')[1] ?? '';
        if (forgedMac !== mac) expect(verifySignature(secret, `t=${NOW},v1=${forgedMac}`, body, NOW)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('a replayed signature outside the five-minute window, or a malformed header, is refused without throwing', () => {
    const body = '{"event":"request","state":"completed"}';
    const header = sign('s3cret', body, NOW);
    expect(verifySignature('s3cret', header, body, NOW + 5 * 60_000 + 1)).toBe(false);
    expect(verifySignature('s3cret', header, body, NOW - 5 * 60_000 - 1)).toBe(false);
    const mac = header.split('v1=')[1] ?? '';
    for (const forged of ['', 't=,v1=', `v1=${mac}`, `t=${NOW}`, `t=${NOW},v1=${mac.toUpperCase()}`, `t=${NOW},v1=${mac} `, ` t=${NOW},v1=${mac}`, `t=${NOW},v1=${mac.slice(2)}`, `t=${NOW},v1=${mac},v1=${mac}`, `t=-1,v1=${mac}`, `t=${NOW}\n,v1=${mac}`]) {
      expect({ forged, ok: verifySignature('s3cret', forged, body, NOW) }).toEqual({ forged, ok: false });
    }
    fc.assert(fc.property(fc.string({ maxLength: 120 }), (forged) => expect(verifySignature('s3cret', forged, body, NOW)).toBe(forged === header)));
  });
});

describe('secret comparisons', () => {
  afterEach(() => jest.restoreAllMocks());

  it('every comparison of a secret goes through crypto.timingSafeEqual (constant time)', async () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    const checks: Array<[string, () => unknown]> = [
      ['webhook signature', () => verifySignature('s', sign('s', 'b', NOW), 'b', NOW)],
      ['API key hash', () => sameHex(sha256Hex('a'), sha256Hex('a'))],
      ['portal CSRF token', () => sameToken('token-a', 'token-b')],
      ['SMS webhook secret', () => accessCheck('/t', { secret: 'right' })({ get: () => 'wrong', query: {} } as never)],
    ];
    for (const [what, check] of checks) {
      spy.mockClear();
      check();
      expect({ what, calls: spy.mock.calls.length }).toEqual({ what, calls: 1 });
    }
    spy.mockClear();
    expect(await verifySecret('1235', await hashSecret('1234'))).toBe(false);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('the SMS webhook compares digests of equal length, so a wrong secret of any length is refused the same way', () => {
    const check = accessCheck('/t', { secret: 'the-right-secret' });
    for (const given of ['t', 'the-right-secre', 'the-right-secretX', 'x'.repeat(10_000), 'THE-RIGHT-SECRET']) {
      expect(check({ get: () => given, query: {} } as never)).toMatchObject({ ok: false, status: 401, message: 'the shared secret is wrong' });
    }
  });
});

describeEachDatabase('forged or absent credentials', (getDb) => {
  let fixture: ApiFixture;
  let key: string;

  beforeAll(async () => {
    fixture = await hostileApi(getDb());
    key = (await fixture.account(1_000)).key;
  });

  it('every authenticated API route refuses a missing, malformed or forged key with 401 and writes nothing', async () => {
    const revoked = await fixture.account();
    const revokedKey = (await fixture.store.apiKeys.list(revoked.account.id))[0];
    if (revokedKey) await fixture.store.apiKeys.revoke(revokedKey.id);
    const forged: Array<string | undefined> = [
      undefined,
      '',
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer ',
      `Bearer ${key} extra`,
      `Bearer ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`,
      `Bearer ${key.slice(0, 8)}`,
      `Bearer ${OPERATOR_KEY}x`,
      `Bearer ${OPERATOR_KEY.toUpperCase()}`,
      `Bearer ${revoked.key}`,
      `Bearer ${'k'.repeat(10_000)}`,
      ...SQL_ATTACKS.map((attack) => `Bearer ${attack.replace(/\s/g, '')}`),
    ];
    const routes = servedRoutes(fixture, getDb()).filter((route) => route.meta.authenticated);
    expect(routes.length).toBeGreaterThan(10);
    const before = await rowCounts(getDb());
    for (const route of routes) {
      const path = concretePath(route.meta.path, { id: '1', number: '+12025550111' });
      for (const authorization of forged) {
        const test = request(fixture.app)[route.meta.method](path);
        if (authorization !== undefined) test.set('Authorization', authorization);
        const response = await test.send({});
        expect({ route: route.meta.path, authorization: authorization?.slice(0, 40), status: response.status, code: (response.body as { error?: { code?: string } }).error?.code }).toEqual({
          route: route.meta.path,
          authorization: authorization?.slice(0, 40),
          status: 401,
          code: 'unauthorized',
        });
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
    expect(await rowCounts(getDb())).toEqual(before);
  });

  it('the operator reports refuse a missing or forged key with 401 and an account key with 403', async () => {
    const reports = fixture.app;
    expect((await request(reports).get('/api/v1/reports')).status).toBe(401);
    expect((await request(reports).get('/api/v1/reports').set('Authorization', `Bearer ${OPERATOR_KEY}x`)).status).toBe(401);
    expect((await request(reports).get('/api/v1/reports').set('Authorization', `Bearer ${key}`)).status).toBe(403);
    expect((await request(reports).get('/api/v1/reports').set('Authorization', `Bearer ${OPERATOR_KEY}`)).status).toBeLessThan(500);
  });

  it('an account key cannot record a payment: operator-only routes answer 403', async () => {
    const response = await request(fixture.app).post('/api/v1/payments').set('Authorization', `Bearer ${key}`).send({ accountId: 1, amountMinor: 1_000_000 });
    expect(response.status).toBe(403);
  });

  it('the SMS gateway endpoint refuses a missing or wrong shared secret (header or query) with 401 and stores nothing', async () => {
    const sms = createSmsModule(
      { store: fixture.store, ordering: storeOrdering(fixture.store), clock: fixture.clock, logger: testLogger() },
      { defaultCountry: 'US', sender: { kind: 'log' }, webhooks: { generic: { secret: 'gateway-secret' } } },
    );
    try {
      const app = express().use(sms.router);
      const message = { from: '+12025550101', to: '+12025550102', text: '#balance', id: 'forged-1' };
      const attempts = [
        request(app).post('/sms/inbound/generic').send(message),
        request(app).post('/sms/inbound/generic').set('X-Callback-Secret', 'gateway-secreT').send(message),
        request(app).post('/sms/inbound/generic').set('X-Callback-Secret', '').send(message),
        request(app).post('/sms/inbound/generic?secret=wrong').send(message),
        request(app).post("/sms/inbound/generic?secret=' OR '1'='1").send(message),
      ];
      for (const attempt of attempts) expect((await attempt).status).toBe(401);
      expect(await getDb()('sms_messages').where({ gateway_message_id: 'forged-1' })).toEqual([]);
    } finally {
      sms.stop();
    }
  });
});
