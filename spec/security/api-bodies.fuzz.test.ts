import express from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { ERROR_CODES } from '../../lib/http/api/errors';
import type { Route } from '../../lib/http/api/route';
import { testLogger } from '../../lib/log/logger';
import { createSmsModule } from '../../lib/sms';
import { storeOrdering } from '../sms/support';
import type { ApiFixture } from '../http/support/api-fixture';
import { describeEachDatabase } from '../support/databases';
import { OPERATOR_KEY, concretePath, hostileApi, rowCounts, send, servedRoutes } from './support/api-rig';
import { anyJson } from './support/hostile';

const SMS_SECRET = 'sms-fuzz-secret-0123456789';

/** Near-misses of real bodies: valid field names with hostile values, so validation is probed field by field. */
function nearMissBody(accountId: number): fc.Arbitrary<Record<string, unknown>> {
  const hostileValue = fc.oneof(
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom('+12025550101', '2025550101', '', ' ', '+1'.padEnd(40, '9'), 'x'.repeat(300), '__proto__', '2026-13-45T25:61:00', '1e309', -1, 0, 1.5, 2 ** 53, accountId, accountId + 1000),
  );
  const fields = ['source', 'destination', 'mode', 'at', 'callerIdPolicy', 'statusWebhookUrl', 'idempotencyKey', 'accountId', 'name', 'number', 'allowAuthorization', 'amountMinor', 'method', 'reference'];
  return fc.dictionary(fc.constantFrom(...fields), hostileValue, { maxKeys: 6 });
}

function expectClearRefusalOrSuccess(status: number, body: unknown, what: string): void {
  // Never a server error, whatever the body (the route and body are named when it fails).
  expect({ what, serverError: status >= 500 }).toEqual({ what, serverError: false });
  if (status >= 400) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    expect(ERROR_CODES).toContain(error?.code);
    expect(typeof error?.message).toBe('string');
    expect(error?.message?.length).toBeGreaterThan(0);
  }
}

describeEachDatabase('API bodies under hostile input', (getDb, engine) => {
  let fixture: ApiFixture;
  let accountKey: string;
  let accountId: number;
  let bodyRoutes: Route[];
  const runs = engine === 'sqlite' ? 150 : 40;
  const ROUTES_AT_FULL_RUNS = 12;
  const MIN_RUNS_PER_ROUTE = 20;

  beforeAll(async () => {
    fixture = await hostileApi(getDb());
    const { account, key } = await fixture.account(10_000);
    accountKey = key;
    accountId = account.id;
    await fixture.store.phoneBook.save({ accountId, name: 'Ann', number: '+12025550111' as never });
    await fixture.store.callerIds.add({ accountId, number: '+12025550112' as never, allowAuthorization: false });
    bodyRoutes = servedRoutes(fixture, getDb()).filter((route) => route.meta.body !== undefined);
  });

  it('covers every route that takes a body', () => {
    expect(bodyRoutes.map((route) => `${route.meta.method} ${route.meta.path}`).sort()).toEqual(
      expect.arrayContaining(['post /callbacks', 'post /phone-book', 'put /phone-book/:number', 'post /caller-ids', 'patch /caller-ids/:number', 'post /payments']),
    );
  });

  it('arbitrary JSON to any route with a body is answered 2xx or 4xx with a clear JSON error, never 500, and a refusal writes no row', async () => {
    // The runs are shared by the routes (at least MIN_RUNS_PER_ROUTE each), so every new route does not lengthen the suite.
    const perRoute = Math.max(MIN_RUNS_PER_ROUTE, Math.ceil((runs * ROUTES_AT_FULL_RUNS) / bodyRoutes.length));
    for (const route of bodyRoutes) {
      const path = concretePath(route.meta.path, { number: '+12025550111', id: '1' });
      await fc.assert(
        fc.asyncProperty(fc.oneof(anyJson(), nearMissBody(accountId)), fc.constantFrom(accountKey, OPERATOR_KEY), async (body, key) => {
          const before = await rowCounts(getDb());
          const response = await send(fixture, route.meta.method, path, key, body);
          expectClearRefusalOrSuccess(response.status, response.body, `${route.meta.method} ${path} ${JSON.stringify(body)}`);
          if (response.status >= 400) expect(await rowCounts(getDb())).toEqual(before);
        }),
        { numRuns: perRoute },
      );
    }
  }, 60_000);

  it('arbitrary query strings and path ids on every route are answered 2xx or 4xx with a clear JSON error, never 500', async () => {
    const routes = servedRoutes(fixture, getDb()).filter((route) => route.meta.method === 'get' || route.meta.method === 'delete');
    const queryValue = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('-1', '0', '1e999', 'NaN', '9007199254740993', 'queued,', '[]', '%00', "' OR 1=1 --"));
    const query = fc.dictionary(fc.oneof(fc.constantFrom('limit', 'offset', 'state', 'accountId', 'from', 'to', '__proto__', 'constructor'), fc.string({ maxLength: 6 })), queryValue, { maxKeys: 4 });
    for (const route of routes.filter((r) => !r.meta.path.endsWith('/events'))) {
      await fc.assert(
        fc.asyncProperty(query, fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('1', '+12025550111', '..', '%2e%2e')), async (params, id) => {
          const path = concretePath(route.meta.path, { id, number: id });
          const search = new URLSearchParams(Object.entries(params)).toString();
          const response = await send(fixture, route.meta.method, `${path}${search ? `?${search}` : ''}`, accountKey);
          expectClearRefusalOrSuccess(response.status, response.body, `${route.meta.method} ${path}?${search}`);
        }),
        { numRuns: Math.ceil(runs / 3) },
      );
    }
  });

  it('arbitrary JSON and forms to the SMS gateway endpoints are answered 200 or 4xx with a JSON error, never 500', async () => {
    const sms = createSmsModule(
      { store: fixture.store, ordering: storeOrdering(fixture.store), clock: fixture.clock, logger: testLogger() },
      { defaultCountry: 'US', sender: { kind: 'log' }, webhooks: { generic: { secret: SMS_SECRET }, kannel: { secret: SMS_SECRET } } },
    );
    try {
      const app = express().use(sms.router);
      const field = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('+12025550101', '#balance', '*1*+12025550102', '', '\u0000'));
      const message = fc.oneof(anyJson(), fc.record({ from: field, to: field, text: field, id: field }, { requiredKeys: [] }));
      await fc.assert(
        fc.asyncProperty(message, fc.constantFrom('generic', 'kannel'), fc.boolean(), async (body, endpoint, asForm) => {
          const post = request(app).post(`/sms/inbound/${endpoint}`).set('X-Callback-Secret', SMS_SECRET);
          const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.entries(body as Record<string, unknown>) : null;
          const form = (entries: Array<[string, unknown]>): string =>
            new URLSearchParams(entries.map(([name, value]): [string, string] => [name, typeof value === 'string' ? value : JSON.stringify(value)])).toString();
          const response = asForm && fields
            ? await post.type('form').send(form(fields))
            : await post.set('Content-Type', 'application/json').send(JSON.stringify(body));
          expect({ body, serverError: response.status >= 500 }).toEqual({ body, serverError: false });
          if (response.status >= 400 && endpoint === 'generic') expect(typeof (response.body as { error?: { message?: string } }).error?.message).toBe('string');
        }),
        { numRuns: runs },
      );
    } finally {
      sms.stop();
    }
  });

  it('bodies that are not JSON objects (malformed, deeply nested, prototype keys, wrong content type) are refused with a clear error and write nothing', async () => {
    const nested = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const raw: Array<[string, string]> = [
      ['application/json', '{"source": "+12025550101",'],
      ['application/json', nested],
      ['application/json', '{"__proto__": {"polluted": true}, "source": "+12025550101"}'],
      ['application/json', '{"constructor": {"prototype": {"polluted": true}}}'],
      ['application/json', '"just a string"'],
      ['application/json', 'null'],
      ['application/json', '\u0000\u0001'],
      ['text/plain', 'source=+12025550101'],
      ['application/x-www-form-urlencoded', 'source=%2B12025550101&destination=%2B12025550202'],
    ];
    for (const route of bodyRoutes) {
      const path = concretePath(route.meta.path, { number: '+12025550111', id: '1' });
      for (const [type, text] of raw) {
        const before = await rowCounts(getDb());
        const response = await send(fixture, route.meta.method, path, accountKey).set('Content-Type', type).send(text);
        expectClearRefusalOrSuccess(response.status, response.body, `${route.meta.method} ${path} ${type} ${text.slice(0, 40)}`);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(await rowCounts(getDb())).toEqual(before);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an oversized body on any API route is answered 413 body_too_large with a clear message, and the API keeps serving', async () => {
    const huge = JSON.stringify({ source: '+12025550101', destination: '+12025550202', idempotencyKey: 'k', pad: 'x'.repeat(200 * 1024) });
    for (const route of bodyRoutes) {
      const path = concretePath(route.meta.path, { number: '+12025550111', id: '1' });
      const before = await rowCounts(getDb());
      const response = await send(fixture, route.meta.method, path, accountKey).set('Content-Type', 'application/json').send(huge);
      expect({ path, status: response.status, code: (response.body as { error?: { code?: string } }).error?.code }).toEqual({ path, status: 413, code: 'body_too_large' });
      expect(await rowCounts(getDb())).toEqual(before);
    }
    const health = await send(fixture, 'get', '/api/v1/balance', accountKey);
    expect(health.status).toBe(200);
  });
});
