import request from 'supertest';
import { describeEachDatabase } from '../support/databases';
import { memoryLogger } from '../support/esl-fakes';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from './support/api-fixture';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const GRACE_MS = 600_000;

interface KeyBody {
  id: number;
  accountId: number | null;
  operator: boolean;
  prefix: string;
  label: string;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

describeEachDatabase('REST API: the operator hands out API keys and portal logins (#18 item 5)', (getDb) => {
  let f: ApiFixture;
  const log = memoryLogger();
  beforeAll(async () => {
    f = await apiFixture(getDb(), { apiKeyRotationGraceMs: GRACE_MS, logger: log.logger });
  });
  afterAll(() => f.engine.close());

  it('issues a key shown once that works at once, lists it by prefix with its last use', async () => {
    const { account } = await f.account();
    const created = await request(f.app).post(`/api/v1/accounts/${account.id}/api-keys`).set(auth(OPERATOR_KEY)).send({ label: 'crm' }).expect(201);
    const key = created.body.key as string;
    expect(created.body.apiKey).toMatchObject({ accountId: account.id, label: 'crm', prefix: key.slice(0, 8), revokedAt: null, lastUsedAt: null });

    await request(f.app).get('/api/v1/balance').set(auth(key)).expect(200);
    const list = await request(f.app).get(`/api/v1/accounts/${account.id}/api-keys`).set(auth(OPERATOR_KEY)).expect(200);
    const items = list.body.items as KeyBody[];
    expect(items.find((k) => k.id === created.body.apiKey.id)).toMatchObject({ label: 'crm', lastUsedAt: f.clock.now() });
    expect(JSON.stringify(list.body)).not.toContain(key);
    const operatorKey = (await f.store.apiKeys.create({ accountId: null, label: 'ops' })).apiKey;
    const all = await request(f.app).get('/api/v1/api-keys').set(auth(OPERATOR_KEY)).expect(200);
    const allItems = all.body.items as KeyBody[];
    expect(allItems.find((k) => k.id === created.body.apiKey.id)).toMatchObject({ accountId: account.id, operator: false });
    expect(allItems.find((k) => k.id === operatorKey.id)).toMatchObject({ accountId: null, operator: true, label: 'ops' });
    const audit = await f.store.auditLog.list({ kind: 'operator', accountId: account.id });
    expect(audit.map((entry) => entry.reason)).toContain('api_key_created');
    expect(audit[0]!.details).toMatchObject({ via: 'api', by: 'operator key' });
  });

  it('rotates a key: the new one works at once, the old one for the grace period, then a clear 401 and a log line', async () => {
    const { account, key: oldKey } = await f.account();
    const [old] = await f.store.apiKeys.list(account.id);
    const rotated = await request(f.app).post(`/api/v1/api-keys/${old!.id}/rotate`).set(auth(OPERATOR_KEY)).expect(201);
    expect(rotated.body.replaced).toMatchObject({ id: old!.id, revokedAt: f.clock.now() + GRACE_MS });
    expect(rotated.body.apiKey).toMatchObject({ accountId: account.id, label: 'test' });
    await request(f.app).get('/api/v1/balance').set(auth(rotated.body.key as string)).expect(200);
    await request(f.app).get('/api/v1/balance').set(auth(oldKey)).expect(200);

    await f.clock.advance(GRACE_MS);
    const refused = await request(f.app).get('/api/v1/balance').set(auth(oldKey)).expect(401);
    expect(refused.body.error).toEqual({ code: 'unauthorized', message: `this API key (${old!.prefix}…) was revoked; ask the operator for a new one` });
    expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(log.records).toContainEqual(expect.objectContaining({ level: 'warn', message: 'API request with a revoked key refused', keyId: old!.id, prefix: old!.prefix }));
    expect(JSON.stringify(log.records)).not.toContain(oldKey);
    await request(f.app).post(`/api/v1/api-keys/${old!.id}/rotate`).set(auth(OPERATOR_KEY)).expect(404);
  });

  it('revokes a key at once; unknown keys answer 404, bad ids 400', async () => {
    const { account, key } = await f.account();
    const [apiKey] = await f.store.apiKeys.list(account.id);
    const revoked = await request(f.app).delete(`/api/v1/api-keys/${apiKey!.id}`).set(auth(OPERATOR_KEY)).expect(200);
    expect(revoked.body).toMatchObject({ id: apiKey!.id, revokedAt: f.clock.now() });
    await request(f.app).get('/api/v1/balance').set(auth(key)).expect(401, /was revoked/);
    await request(f.app).delete(`/api/v1/api-keys/${apiKey!.id}`).set(auth(OPERATOR_KEY)).expect(200);
    await request(f.app).delete('/api/v1/api-keys/999999').set(auth(OPERATOR_KEY)).expect(404);
    const bad = await request(f.app).delete('/api/v1/api-keys/abc').set(auth(OPERATOR_KEY)).expect(400);
    expect(bad.body.error.field).toBe('params.id');
    await request(f.app).post('/api/v1/accounts/999999/api-keys').set(auth(OPERATOR_KEY)).send({}).expect(404);
    const long = await request(f.app).post(`/api/v1/accounts/${account.id}/api-keys`).set(auth(OPERATOR_KEY)).send({ label: 'x'.repeat(101) }).expect(400);
    expect(long.body.error.field).toBe('label');
    await request(f.app).get('/api/v1/api-keys').set(auth('not-a-key-we-issued-000000')).expect(401, /unknown API key/);
  });

  it('refuses every access route to an account key, and writes nothing', async () => {
    const { account, key } = await f.account();
    const before = await f.store.apiKeys.list(account.id);
    await request(f.app).post(`/api/v1/accounts/${account.id}/api-keys`).set(auth(key)).send({}).expect(403);
    await request(f.app).get(`/api/v1/accounts/${account.id}/api-keys`).set(auth(key)).expect(403);
    await request(f.app).post(`/api/v1/api-keys/${before[0]!.id}/rotate`).set(auth(key)).expect(403);
    await request(f.app).delete(`/api/v1/api-keys/${before[0]!.id}`).set(auth(key)).expect(403);
    await request(f.app).post(`/api/v1/accounts/${account.id}/portal-users`).set(auth(key)).send({ email: 'x@example.com' }).expect(403);
    expect((await f.store.apiKeys.list(account.id)).map((k) => [k.id, k.revokedAt])).toEqual([[before[0]!.id, null]]);
    expect(await f.store.portalUsers.listForAccount(account.id)).toEqual([]);
  });

  it('creates portal logins, resets a password (sessions end), disables and enables a login', async () => {
    const { account } = await f.account();
    const created = await request(f.app).post(`/api/v1/accounts/${account.id}/portal-users`).set(auth(OPERATOR_KEY)).send({ email: 'Dana@Example.com' }).expect(201);
    expect(created.body.user).toMatchObject({ accountId: account.id, email: 'dana@example.com', active: true, lastLoginAt: null });
    const generated = created.body.password as string;
    expect(await f.store.portalUsers.verifyLogin('dana@example.com', generated)).not.toBeNull();
    const userId = created.body.user.id as number;

    const given = await request(f.app).post(`/api/v1/accounts/${account.id}/portal-users`).set(auth(OPERATOR_KEY)).send({ email: 'erin@example.com', password: 'long enough' }).expect(201);
    expect(given.body.password).toBeUndefined();
    await request(f.app).post(`/api/v1/accounts/${account.id}/portal-users`).set(auth(OPERATOR_KEY)).send({ email: 'erin@example.com', password: 'long enough' }).expect(409);
    const short = await request(f.app).post(`/api/v1/accounts/${account.id}/portal-users`).set(auth(OPERATOR_KEY)).send({ email: 'fay@example.com', password: 'short' }).expect(400);
    expect(short.body.error.field).toBe('password');
    await request(f.app).post(`/api/v1/accounts/${account.id}/portal-users`).set(auth(OPERATOR_KEY)).send({ email: 'not-an-email' }).expect(400);
    const list = await request(f.app).get(`/api/v1/accounts/${account.id}/portal-users`).set(auth(OPERATOR_KEY)).expect(200);
    expect(list.body.items.map((u: { email: string }) => u.email)).toEqual(['dana@example.com', 'erin@example.com']);

    const { id: session } = await f.store.portalUsers.createSession(userId, 3_600_000);
    const reset = await request(f.app).post(`/api/v1/portal-users/${userId}/password`).set(auth(OPERATOR_KEY)).send({}).expect(200);
    expect(reset.body.password).not.toBe(generated);
    expect(await f.store.portalUsers.findSession(session)).toBeNull();
    expect(await f.store.portalUsers.verifyLogin('dana@example.com', reset.body.password as string)).not.toBeNull();

    const { id: second } = await f.store.portalUsers.createSession(userId, 3_600_000);
    const disabled = await request(f.app).patch(`/api/v1/portal-users/${userId}`).set(auth(OPERATOR_KEY)).send({ active: false }).expect(200);
    expect(disabled.body).toMatchObject({ id: userId, active: false });
    expect(await f.store.portalUsers.findSession(second)).toBeNull();
    expect(await f.store.portalUsers.verifyLogin('dana@example.com', reset.body.password as string)).toBeNull();
    await request(f.app).patch(`/api/v1/portal-users/${userId}`).set(auth(OPERATOR_KEY)).send({ active: true }).expect(200, /"active":true/);
    await request(f.app).patch('/api/v1/portal-users/999999').set(auth(OPERATOR_KEY)).send({ active: true }).expect(404);
    await request(f.app).post('/api/v1/portal-users/999999/password').set(auth(OPERATOR_KEY)).send({}).expect(404);
    const audit = await f.store.auditLog.list({ kind: 'operator', accountId: account.id });
    expect(JSON.stringify(audit)).not.toContain(generated);
  });
});
