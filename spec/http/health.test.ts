import request from 'supertest';
import { createHttpApp } from '../../lib/http/app';
import { testLogger } from '../../lib/log/logger';

describe('health endpoints', () => {
  it('/healthz answers while the process runs', async () => {
    const app = createHttpApp({ logger: testLogger(), readiness: [] });
    await request(app).get('/healthz').expect(200, { status: 'ok' });
  });

  it('/readyz reports each dependency and is 503 when one is down', async () => {
    const app = createHttpApp({
      logger: testLogger(),
      readiness: [
        { name: 'database', check: async () => ({ ok: true }) },
        { name: 'freeswitch:fs1', check: async () => ({ ok: false, detail: 'connecting' }) },
        { name: 'queue', check: async () => Promise.reject(new Error('ECONNREFUSED')) },
      ],
    });
    const response = await request(app).get('/readyz').expect(503);
    expect(response.body).toEqual({
      status: 'not-ready',
      checks: [
        { name: 'database', ok: true },
        { name: 'freeswitch:fs1', ok: false, detail: 'connecting' },
        { name: 'queue', ok: false, detail: 'ECONNREFUSED' },
      ],
    });
  });

  it('answers malformed JSON and unknown routes with a JSON error body', async () => {
    const app = createHttpApp({ logger: testLogger(), readiness: [] });
    await request(app).get('/nope').expect(404, { error: { code: 'not_found', message: 'no such route' } });
    const bad = await request(app).post('/nope').set('Content-Type', 'application/json').send('{"a":').expect(400);
    expect(bad.body.error.code).toBe('invalid_json');
  });
});
