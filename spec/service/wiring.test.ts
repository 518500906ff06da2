import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { testLogger } from '../../lib/log/logger';
import { embeddedServiceSettings, TEST_OPERATOR_KEY } from '../support/service-settings';
import { startService, type RunningService } from '../../lib/service/start-service';

/** The service as npm start assembles it: every part mounted where the README says. */
describe('the assembled service', () => {
  const OPERATOR_KEY = TEST_OPERATOR_KEY;
  let dir: string;
  let service: RunningService;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callback-wiring-'));
    const settings = embeddedServiceSettings(dir);
    service = await startService(settings, testLogger());
    base = `http://127.0.0.1:${service.httpPort}`;
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API with its OpenAPI document, and refuses requests without a key', async () => {
    await request(base).get('/api/v1/openapi.json').expect(200);
    const refused = await request(base).get('/api/v1/callbacks').expect(401);
    expect(refused.body.error.code).toBe('unauthorized');
  });

  it('takes an order through the API and lets the operator cancel it', async () => {
    const ordered = await request(base)
      .post('/api/v1/callbacks')
      .set('Authorization', `Bearer ${OPERATOR_KEY}`)
      .send({ accountId: 1, source: '+12125550100', destination: '+493012345678', at: new Date(Date.now() + 30 * 86_400_000).toISOString() })
      .expect(201);
    const id = ordered.body.id ?? ordered.body.request?.id;
    expect(typeof id).toBe('string');
    const shown = await request(base).get(`/api/v1/callbacks/${id}`).set('Authorization', `Bearer ${OPERATOR_KEY}`).expect(200);
    expect(JSON.stringify(shown.body)).toContain('queued');
    await request(base).delete(`/api/v1/callbacks/${id}`).set('Authorization', `Bearer ${OPERATOR_KEY}`).expect(200);
  });

  it('serves reports to the operator only, and Prometheus metrics', async () => {
    await request(base).get('/api/v1/reports?by=account').expect(401);
    await request(base).get('/api/v1/reports?by=account').set('Authorization', `Bearer ${OPERATOR_KEY}`).expect(200);
    const metrics = await request(base).get('/metrics').expect(200);
    expect(metrics.text).toContain('callback_esl_connection_state');
  });

  it('keeps the SMS webhooks off until they have a secret or an allow-list', async () => {
    await request(base).post('/sms/inbound/generic').send({ from: '+12125550100', to: '+12125550000', text: '#balance', id: '1' }).expect(404);
  });

  it('serves the subscriber portal at / and lets the demo subscriber log in', async () => {
    const page = await request(base).get('/').expect(200);
    expect(page.text).toContain('<form');
    expect(page.headers['content-type']).toMatch(/html/);
  });
});
