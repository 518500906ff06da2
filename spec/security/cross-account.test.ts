import type { Express } from 'express';
import request from 'supertest';
import type { E164 } from '../../lib/domain/phone-number';
import { apiContext, principalRoutes } from '../../lib/http/api/router';
import type { Route } from '../../lib/http/api/route';
import { PORTAL_API_PREFIX } from '../../lib/http/portal/router';
import { testLogger } from '../../lib/log/logger';
import { logIn, portalFixture, type PortalFixture, type Subscriber } from '../portal/support/portal-fixture';
import { describeEachDatabase } from '../support/databases';

const MISSING_UUID = '00000000-0000-4000-8000-000000000000';

interface Owned {
  requestId: string;
  recordingId: number;
  faxId: number;
  phoneBookNumber: E164;
  callerId: E164;
}

/**
 * For each route with an id in its path: A's id, and an id nobody has. A route added later with
 * a path this table does not know fails the test until it is added here, so no id route escapes.
 */
function idsFor(path: string, owned: Owned): { mine: Record<string, string>; nobodys: Record<string, string> } {
  if (path.startsWith('/callbacks/:id')) return { mine: { id: owned.requestId }, nobodys: { id: MISSING_UUID } };
  if (path.startsWith('/recordings/:id')) return { mine: { id: String(owned.recordingId) }, nobodys: { id: '999999' } };
  if (path.startsWith('/faxes/:id')) return { mine: { id: String(owned.faxId) }, nobodys: { id: '999998' } };
  if (path.startsWith('/phone-book/:number')) return { mine: { number: owned.phoneBookNumber }, nobodys: { number: '+12025559999' } };
  if (path.startsWith('/caller-ids/:number')) return { mine: { number: owned.callerId }, nobodys: { number: '+12025559998' } };
  throw new Error(`no cross-account fixture for ${path}: add the kind of id it takes to idsFor()`);
}

function fill(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(values[name] ?? ''));
}

/** A body the route would accept from its owner, so that a refusal is about ownership, not validation. */
function validBody(route: Route): Record<string, unknown> | undefined {
  if (route.meta.method === 'put') return { name: 'Mallory' };
  if (route.meta.method === 'patch') return { allowAuthorization: true };
  if (route.meta.path.endsWith('/verify')) return { code: '123456' };
  return undefined;
}

describeEachDatabase('cross-account access', (getDb) => {
  let fixture: PortalFixture;
  let app: Express;
  let owner: Subscriber;
  let intruder: Subscriber;
  let intruderKey: string;
  let owned: Owned;
  let idRoutes: Route[];

  beforeAll(async () => {
    fixture = await portalFixture(getDb());
    app = fixture.app();
    owner = await fixture.subscriber();
    intruder = await fixture.subscriber();
    intruderKey = (await fixture.store.apiKeys.create({ accountId: intruder.account.id, label: 'intruder' })).plainKey;
    const { request: callback } = await fixture.engine.order({ accountId: owner.account.id, trigger: 'api', source: '+12025550171' as E164, destination: '+12025550172' as E164 });
    const recording = await fixture.store.recordings.create({ accountId: owner.account.id, requestId: callback.id, path: 'rec/a.wav', bytes: 10, durationMs: 1000 });
    const fax = await fixture.store.faxes.create({ accountId: owner.account.id, requestId: callback.id, path: 'fax/a.tif', bytes: 10, pages: 1 });
    await fixture.store.phoneBook.save({ accountId: owner.account.id, name: 'Alice', number: '+12025550173' as E164 });
    owned = { requestId: callback.id, recordingId: recording.id, faxId: fax.id, phoneBookNumber: '+12025550173' as E164, callerId: owner.number };
    const ctx = apiContext({ engine: fixture.engine, db: getDb(), logger: testLogger() }, 'api');
    // Operator-only routes (PATCH /accounts/:id) refuse every account key with the same 403, whatever the id.
    idRoutes = principalRoutes(ctx, { fanout: fixture.fanout }).filter((route) => /:\w+/.test(route.meta.path) && !route.meta.operatorOnly);
  });
  afterAll(() => fixture.close());

  it('the route list has the id routes of callbacks, live events, recordings, faxes, phone book and caller IDs', () => {
    const paths = new Set(idRoutes.map((route) => route.meta.path));
    for (const path of ['/callbacks/:id', '/callbacks/:id/events', '/recordings/:id/file', '/faxes/:id/file', '/phone-book/:number', '/caller-ids/:number']) expect(paths).toContain(path);
  });

  async function expectSameNotFound(send: (path: string) => Promise<request.Response>, route: Route, via: string): Promise<void> {
    const ids = idsFor(route.meta.path, owned);
    const theirs = await send(fill(route.meta.path, ids.mine));
    const nobodys = await send(fill(route.meta.path, ids.nobodys));
    const what = `${via} ${route.meta.method.toUpperCase()} ${route.meta.path}`;
    expect({ what, status: theirs.status, code: (theirs.body as { error?: { code?: string } }).error?.code }).toEqual({ what, status: 404, code: 'not_found' });
    // Indistinguishable from an id that does not exist: the answer leaks nothing.
    expect({ what, body: theirs.body as unknown }).toEqual({ what, body: nobodys.body as unknown });
  }

  it("every API route with an id answers another account's key with the same 404 as for an id that does not exist", async () => {
    for (const route of idRoutes) {
      await expectSameNotFound(async (path) => {
        const test = request(app)[route.meta.method](`/api/v1${path}`).set('Authorization', `Bearer ${intruderKey}`);
        const body = validBody(route);
        return body ? test.send(body) : test;
      }, route, 'api');
    }
  });

  it("every portal API route with an id answers another account's session with the same 404", async () => {
    const { agent, csrf } = await logIn(app, intruder.email);
    for (const route of idRoutes) {
      await expectSameNotFound(async (path) => {
        const test = agent[route.meta.method](`${PORTAL_API_PREFIX}${path}`).set('X-CSRF-Token', csrf);
        const body = validBody(route);
        return body ? test.send(body) : test;
      }, route, 'portal');
    }
  });

  it("the portal's own pages with an id answer another account's session with the same 404 as a missing id", async () => {
    const { agent, csrf } = await logIn(app, intruder.email);
    const pages: Array<[string, (id: string) => Promise<request.Response>]> = [
      ['GET /callbacks/:id', (id) => agent.get(`/callbacks/${id}`)],
      ['POST /callbacks/:id/cancel', (id) => agent.post(`/callbacks/${id}/cancel`).type('form').send({ _csrf: csrf })],
    ];
    for (const [what, send] of pages) {
      const theirs = await send(owned.requestId);
      const nobodys = await send(MISSING_UUID);
      expect({ what, status: theirs.status }).toEqual({ what, status: 404 });
      expect({ what, text: theirs.text }).toEqual({ what, text: nobodys.text });
    }
    // The portal's delete forms act on the session's own account only: the owner's rows stay.
    await agent.post('/phone-book/delete').type('form').send({ _csrf: csrf, number: owned.phoneBookNumber });
    await agent.post('/caller-ids/delete').type('form').send({ _csrf: csrf, number: owned.callerId });
  });

  it("another account's attempts change nothing of the owner's", async () => {
    expect(await fixture.store.callbackRequests.findById(owned.requestId)).toMatchObject({ state: 'queued' });
    expect(await fixture.store.phoneBook.find(owner.account.id, owned.phoneBookNumber)).toMatchObject({ name: 'Alice' });
    expect(await fixture.store.callerIds.findByNumber(owned.callerId)).toMatchObject({ accountId: owner.account.id, allowAuthorization: true });
  });

  it("an account key naming another account in accountId is refused the same way whether that account exists or not", async () => {
    const routes = principalRoutes(apiContext({ engine: fixture.engine, db: getDb(), logger: testLogger() }, 'api'), {}).filter(
      (route) => route.meta.query?.shape && 'accountId' in route.meta.query.shape && !/:\w+/.test(route.meta.path) && route.meta.method === 'get',
    );
    expect(routes.length).toBeGreaterThan(3);
    for (const route of routes) {
      const existing = await request(app).get(`/api/v1${route.meta.path}?accountId=${owner.account.id}`).set('Authorization', `Bearer ${intruderKey}`);
      const missing = await request(app).get(`/api/v1${route.meta.path}?accountId=987654`).set('Authorization', `Bearer ${intruderKey}`);
      expect({ path: route.meta.path, status: existing.status }).toEqual({ path: route.meta.path, status: 403 });
      expect(existing.body).toEqual(missing.body);
    }
  });
});
