import express, { type Express } from 'express';
import request from 'supertest';
import { API_PREFIX, apiRouter } from '../../lib/http/api/router';
import { createHttpApp } from '../../lib/http/app';
import { portalRouter } from '../../lib/http/portal/router';
import { testLogger } from '../../lib/log/logger';
import { createSmsModule, type SmsModule } from '../../lib/sms';
import { csrfOf, logIn, portalFixture, type PortalFixture } from '../portal/support/portal-fixture';
import { storeOrdering } from '../sms/support';
import { describeEachDatabase } from '../support/databases';

const SMS_SECRET = 'sms-gateway-secret-for-tests';
const BIG = 'x'.repeat(300 * 1024);

describeEachDatabase('oversized bodies', (getDb) => {
  let fixture: PortalFixture;
  let sms: SmsModule;
  let app: Express;

  beforeAll(async () => {
    fixture = await portalFixture(getDb());
    const logger = testLogger();
    sms = createSmsModule(
      { store: fixture.store, ordering: storeOrdering(fixture.store), clock: fixture.clock, logger },
      { defaultCountry: 'US', sender: { kind: 'log' }, webhooks: { generic: { secret: SMS_SECRET }, kannel: { secret: SMS_SECRET } } },
    );
    const deps = { engine: fixture.engine, db: getDb(), logger, clock: fixture.clock, fanout: fixture.fanout, store: fixture.store };
    // Mounted as the service mounts them (lib/service/start-service.ts), behind the app's own body parser.
    app = createHttpApp({ logger, readiness: [], routers: [{ path: API_PREFIX, router: apiRouter(deps) }, { router: sms.router }, { router: portalRouter(deps) }] });
  });
  afterAll(async () => {
    sms.stop();
    await fixture.close();
  });

  function expectJson413(response: request.Response, what: string): void {
    expect({ what, status: response.status, code: (response.body as { error?: { code?: string } }).error?.code }).toEqual({ what, status: 413, code: 'body_too_large' });
  }

  it('the SMS gateway endpoints answer an oversized JSON, form or text body with 413 body_too_large and store nothing', async () => {
    const before = await getDb()('sms_messages').count<Array<{ n: number | string }>>({ n: '*' });
    const posts: Array<[string, string, string]> = [
      ['/sms/inbound/generic', 'application/json', JSON.stringify({ from: '+12025550101', to: '+12025550102', id: 'big-1', text: BIG })],
      ['/sms/inbound/generic', 'application/x-www-form-urlencoded', `from=%2B12025550101&to=%2B12025550102&id=big-2&text=${BIG}`],
      ['/sms/inbound/kannel', 'text/plain', BIG],
      ['/sms/inbound/kannel', 'application/x-www-form-urlencoded', `from=%2B12025550101&to=%2B12025550102&id=big-3&text=${BIG}`],
    ];
    for (const [path, type, body] of posts) {
      const response = await request(app).post(path).set('X-Callback-Secret', SMS_SECRET).set('Content-Type', type).send(body);
      expectJson413(response, `${path} ${type}`);
    }
    const after = await getDb()('sms_messages').count<Array<{ n: number | string }>>({ n: '*' });
    expect(Number(after[0]?.n)).toBe(Number(before[0]?.n));
  });

  it('the API answers an oversized body with 413 body_too_large before authenticating or touching the store', async () => {
    for (const path of [`${API_PREFIX}/callbacks`, `${API_PREFIX}/phone-book`, `${API_PREFIX}/payments`]) {
      const response = await request(app).post(path).set('Content-Type', 'application/json').send(JSON.stringify({ pad: BIG }));
      expectJson413(response, path);
    }
  });

  it('the portal login and its forms answer an oversized form with a 413 page, not a 500, and keep serving', async () => {
    const subscriber = await fixture.subscriber();
    const page = await request(app).get('/');
    const cookie = page.headers['set-cookie'];
    const login = await request(app)
      .post('/login')
      .set('Cookie', Array.isArray(cookie) ? cookie.join('; ') : String(cookie))
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrfOf(page.text))}&email=${encodeURIComponent(subscriber.email)}&password=${BIG}`);
    expect(login.status).toBe(413);
    expect(login.text).toMatch(/too large/i);

    const { agent, csrf } = await logIn(app, subscriber.email);
    const order = await agent.post('/callbacks').type('form').send(`_csrf=${encodeURIComponent(csrf)}&source=${BIG}`);
    expect(order.status).toBe(413);
    expect(order.text).toMatch(/too large/i);
    const apiOrder = await agent.post('/portal/api/v1/callbacks').set('X-CSRF-Token', csrf).set('Content-Type', 'application/json').send(JSON.stringify({ pad: BIG }));
    expectJson413(apiOrder, 'portal api');
    await agent.get('/').expect(200);
  });

  it('an app with only the SMS router still refuses oversized bodies itself (its own limit, not the app\'s)', async () => {
    const bare = express().use(sms.router);
    const response = await request(bare).post('/sms/inbound/generic').set('X-Callback-Secret', SMS_SECRET).set('Content-Type', 'application/json').send(JSON.stringify({ text: 'y'.repeat(20 * 1024) }));
    expectJson413(response, 'bare sms router');
  });
});
