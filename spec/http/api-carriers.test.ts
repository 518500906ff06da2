import request from 'supertest';
import { RATE_COLUMNS } from '../../lib/cli/rate-csv';
import { describeEachDatabase } from '../support/databases';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from './support/api-fixture';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const operator = auth(OPERATOR_KEY);
const HEADER = RATE_COLUMNS.join(',');

describeEachDatabase('REST API: carriers', (getDb) => {
  let f: ApiFixture;
  let T0: number;
  beforeAll(async () => {
    f = await apiFixture(getDb());
    T0 = f.clock.now();
  });
  afterAll(() => f.engine.close());

  it('is for the operator only', async () => {
    const { key } = await f.account();
    await request(f.app).get('/api/v1/carriers').set(auth(key)).expect(403);
    await request(f.app).post('/api/v1/carriers').set(auth(key)).send({ name: 'x' }).expect(403);
    await request(f.app).get('/api/v1/carriers').expect(401);
  });

  it('creates, lists, shows and changes carriers, with precise errors', async () => {
    const created = await request(f.app).post('/api/v1/carriers').set(operator).send({ name: 'acme', priority: 10, maxChannels: 30 }).expect(201);
    expect(created.body).toMatchObject({ name: 'acme', priority: 10, maxChannels: 30, enabled: true, currency: 'USD', gateways: [] });
    const id = created.body.id as number;
    expect((await request(f.app).post('/api/v1/carriers').set(operator).send({ name: 'acme' }).expect(409)).body.error.code).toBe('conflict');
    const bad = await request(f.app).post('/api/v1/carriers').set(operator).send({ name: 'b', callerIdMode: 'fixed' }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('required when callerIdMode is fixed') });
    expect((await request(f.app).post('/api/v1/carriers').set(operator).send({ name: 'b', colour: 'red' }).expect(400)).body.error.code).toBe('validation_failed');

    const patched = await request(f.app).patch(`/api/v1/carriers/${id}`).set(operator).send({ enabled: false, callerIdMode: 'fixed', callerIdNumber: '+12025550100' }).expect(200);
    expect(patched.body).toMatchObject({ enabled: false, callerIdMode: 'fixed', callerIdNumber: '+12025550100' });
    await request(f.app).patch('/api/v1/carriers/999999').set(operator).send({ enabled: true }).expect(404);
    expect((await request(f.app).get(`/api/v1/carriers/${id}`).set(operator).expect(200)).body.name).toBe('acme');
    expect((await request(f.app).get('/api/v1/carriers').set(operator).expect(200)).body.items.map((c: { name: string }) => c.name)).toEqual(['acme']);
  });

  it('sets and removes gateways per node', async () => {
    const { body: carrier } = await request(f.app).post('/api/v1/carriers').set(operator).send({ name: 'gw' }).expect(201);
    await request(f.app).put(`/api/v1/carriers/${carrier.id}/gateways`).set(operator).send({ node: '*', gateway: 'gw_all' }).expect(200);
    const set = await request(f.app).put(`/api/v1/carriers/${carrier.id}/gateways`).set(operator).send({ node: 'fs1', gateway: 'gw1' }).expect(200);
    expect(set.body.gateways).toEqual([
      { node: '*', gateway: 'gw_all' },
      { node: 'fs1', gateway: 'gw1' },
    ]);
    expect((await request(f.app).put(`/api/v1/carriers/${carrier.id}/gateways`).set(operator).send({ node: 'fs1', gateway: 'a,b' }).expect(400)).body.error.message).toMatch(/gateway name/);
    await request(f.app).delete(`/api/v1/carriers/${carrier.id}/gateways/*`).set(operator).expect(204);
    await request(f.app).delete(`/api/v1/carriers/${carrier.id}/gateways/*`).set(operator).expect(404);
    expect((await request(f.app).get(`/api/v1/carriers/${carrier.id}`).set(operator)).body.gateways).toEqual([{ node: 'fs1', gateway: 'gw1' }]);
  });

  it('imports rate sheets as CSV, in force from a date, and exports them in the same format', async () => {
    const { body: carrier } = await request(f.app).post('/api/v1/carriers').set(operator).send({ name: 'rated' }).expect(201);
    const csv = `${HEADER}\n49,Germany,0.0100,0.00,60,60,0\n4915,DE mobile,0.0500,0.01,30,6,0\n`;
    const imported = await request(f.app).post(`/api/v1/carriers/${carrier.id}/rates`).set(operator).type('text/csv').send(csv).expect(200);
    expect(imported.body).toEqual({ carrierId: carrier.id, imported: 2, effectiveFrom: T0, replaced: false });
    await request(f.app)
      .post(`/api/v1/carriers/${carrier.id}/rates?effectiveFrom=2099-02-01`)
      .set(operator)
      .type('text/csv')
      .send(`${HEADER}\n49,Germany,0.0080,0.00,60,60,0\n`)
      .expect(200);

    const now = await request(f.app).get(`/api/v1/carriers/${carrier.id}/rates`).set(operator).expect(200);
    expect(now.body.items.map((r: { prefix: string; ratePerMinute: number }) => [r.prefix, r.ratePerMinute])).toEqual([
      ['49', 10_000],
      ['4915', 50_000],
    ]);
    const later = await request(f.app).get(`/api/v1/carriers/${carrier.id}/rates?at=2099-02-01T00:00:00Z&format=csv`).set(operator).expect(200);
    expect(later.headers['content-type']).toMatch(/^text\/csv/);
    expect(later.text).toBe(`${HEADER}\n49,Germany,0.0080,0.00,60,60,0\n4915,DE mobile,0.0500,0.01,30,6,0\n`);
    expect((await request(f.app).get(`/api/v1/carriers/${carrier.id}/rates?all=true`).set(operator)).body.items).toHaveLength(3);

    const bad = await request(f.app).post(`/api/v1/carriers/${carrier.id}/rates`).set(operator).type('text/csv').send(`${HEADER}\n33,France,0.0x,0.00,60,60,0\n`).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', field: 'body', message: expect.stringContaining('line 2, rate_per_minute') });
    const internal = await request(f.app).post(`/api/v1/carriers/${carrier.id}/rates`).set(operator).type('text/csv').send(`${HEADER}\next:,Internal,0.001,0.00,60,60,0\n`).expect(400);
    expect(internal.body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('ext: prices extension legs, which go through no carrier') });
    expect((await request(f.app).post(`/api/v1/carriers/${carrier.id}/rates?effectiveFrom=soon`).set(operator).type('text/csv').send(csv).expect(400)).body.error.field).toBe('query.effectiveFrom');
    await request(f.app).post(`/api/v1/carriers/${carrier.id}/rates`).set(operator).send({ rates: [] }).expect(400);
    await request(f.app).post('/api/v1/carriers/999999/rates').set(operator).type('text/csv').send(csv).expect(404);
  });
});
