import type { ApiKey, AuditEntry, PortalUser } from '../../lib/store';
import { createStore } from '../../lib/store';
import { cli, cliJson, describeEachCliDatabase } from './support';

const HOUR_MS = 3_600_000;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

describeEachCliDatabase('CLI api-keys and portal-users (#18 item 5)', (target) => {
  const store = () => createStore(target().db, () => NOW);
  const keyWorks = async (plainKey: string) => (await store().apiKeys.authenticate(plainKey)).kind;

  beforeAll(async () => {
    expect((await cli(target(), ['accounts', 'create', '--name', 'Acme', '--currency', 'USD'])).code).toBe(0);
  });

  it('creates a key, shows it once, and lists it afterwards by prefix only with its last use', async () => {
    const created = await cli(target(), ['api-keys', 'create', 'Acme', '--label', 'billing system'], { now: NOW });
    expect(created.code).toBe(0);
    const key = /^key: +(\S+)$/m.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect(created.stderr).toContain('shown this once');
    expect(await keyWorks(key!)).toBe('valid');

    const list = await cli(target(), ['api-keys', 'list', 'Acme'], { now: NOW });
    expect(list.stdout.split('\n')[0]).toBe('ID  ACCOUNT  PREFIX    LABEL           CREATED               LAST USED             STATE');
    expect(list.stdout).toContain(key!.slice(0, 8));
    expect(list.stdout).not.toContain(key!);
    expect(list.stdout).toMatch(/billing system +2026-12-06T12:00:00Z +2026-12-06T12:00:00Z +active/);
    const json = await cliJson<ApiKey[]>(target(), ['api-keys', 'list']);
    expect(JSON.stringify(json)).not.toContain(key!);
    expect(json.map((k) => k.label)).toContain('billing system');

    // Every key without an account named: the operator's too, marked in the account column.
    const operatorKey = (await store().apiKeys.create({ accountId: null, label: 'ops console' })).apiKey;
    expect((await cli(target(), ['api-keys', 'list'], { now: NOW })).stdout).toMatch(new RegExp(`^ *${operatorKey.id} +operator +${operatorKey.prefix} +ops console `, 'm'));
    expect((await cliJson<ApiKey[]>(target(), ['api-keys', 'list'])).find((k) => k.id === operatorKey.id)).toMatchObject({ accountId: null, label: 'ops console' });
    expect((await cli(target(), ['api-keys', 'list', 'Acme'])).stdout).not.toContain('ops console');

    const audit = await store().auditLog.list({ kind: 'operator' });
    expect(audit.find((entry: AuditEntry) => entry.reason === 'api_key_created')?.details).toMatchObject({ via: 'cli', operator: 'tester', prefix: key!.slice(0, 8) });
    expect(JSON.stringify(audit)).not.toContain(key!);
  });

  it('rotates a key: the new one works at once, the old one after the grace period no more', async () => {
    const { apiKey, key } = await cliJson<{ apiKey: ApiKey; key: string }>(target(), ['api-keys', 'create', 'Acme'], { now: NOW });
    const env = { CALLBACK_SECURITY_ROTATION_GRACE_SECONDS: '3600' };
    const rotated = await cliJson<{ apiKey: ApiKey; key: string; replaced: ApiKey }>(target(), ['api-keys', 'rotate', String(apiKey.id)], { now: NOW, env });
    expect(rotated.apiKey.accountId).toBe(apiKey.accountId);
    expect(rotated.replaced).toMatchObject({ id: apiKey.id, revokedAt: NOW + HOUR_MS });
    expect(await keyWorks(rotated.key)).toBe('valid');
    expect(await keyWorks(key)).toBe('valid');
    expect((await createStore(target().db, () => NOW + HOUR_MS).apiKeys.authenticate(key)).kind).toBe('revoked');
    const list = await cli(target(), ['api-keys', 'list', 'Acme'], { now: NOW });
    expect(list.stdout).toMatch(new RegExp(`^ *${apiKey.id} .* stops 2026-12-06T13:00:00Z$`, 'm'));

    // Without the setting the old key stops at once; a stopped key cannot be rotated again.
    const again = await cliJson<{ key: string }>(target(), ['api-keys', 'rotate', String(rotated.apiKey.id)], { now: NOW });
    expect(await keyWorks(rotated.key)).toBe('revoked');
    expect(await keyWorks(again.key)).toBe('valid');
    expect(await cli(target(), ['api-keys', 'rotate', String(rotated.apiKey.id)], { now: NOW })).toMatchObject({ code: 3, stderr: `error: API key ${rotated.apiKey.id} that still works does not exist\n` });
  });

  it('revokes a key at once, says so when it already was, and refuses unknown keys and bad ids', async () => {
    const { apiKey, key } = await cliJson<{ apiKey: ApiKey; key: string }>(target(), ['api-keys', 'create', 'Acme'], { now: NOW });
    expect(await cli(target(), ['api-keys', 'revoke', String(apiKey.id)], { now: NOW })).toMatchObject({ code: 0, stdout: `key ${apiKey.id} (${apiKey.prefix}…) revoked\n` });
    expect(await keyWorks(key)).toBe('revoked');
    expect((await cli(target(), ['api-keys', 'revoke', String(apiKey.id)], { now: NOW })).stdout).toContain('was already revoked');
    expect((await cli(target(), ['api-keys', 'revoke', '999999'])).code).toBe(3);
    const bad = await cli(target(), ['api-keys', 'revoke', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a whole number');
    expect((await cli(target(), ['api-keys', 'create', 'Nobody'])).code).toBe(3);
  });

  it('creates a portal login with a generated password, shown once, that logs in', async () => {
    const created = await cliJson<{ user: PortalUser; password: string }>(target(), ['portal-users', 'create', 'Acme', 'Alice@Example.com', '--generate']);
    expect(created.user).toMatchObject({ email: 'alice@example.com', active: true });
    expect(created.password).toHaveLength(16);
    expect((await store().portalUsers.verifyLogin('alice@example.com', created.password))?.id).toBe(created.user.id);
    const audit = await store().auditLog.list({ kind: 'operator' });
    expect(JSON.stringify(audit)).not.toContain(created.password);

    const given = await cli(target(), ['portal-users', 'create', 'Acme', 'bob@example.com', '--password', 'correct horse']);
    expect(given).toMatchObject({ code: 0, stdout: 'created bob@example.com\n' });
    expect(await store().portalUsers.verifyLogin('bob@example.com', 'correct horse')).not.toBeNull();

    const list = await cli(target(), ['portal-users', 'list', 'Acme']);
    expect(list.stdout).toMatch(/alice@example\.com +yes/);
    expect(list.stdout).toMatch(/bob@example\.com +yes/);
  });

  it('refuses a taken login, a short password, a bad email, and a password with --generate', async () => {
    expect(await cli(target(), ['portal-users', 'create', 'Acme', 'bob@example.com'])).toMatchObject({ code: 2, stderr: 'error: bob@example.com already has a portal login\n' });
    const short = await cli(target(), ['portal-users', 'create', 'Acme', 'carol@example.com', '--password', 'short']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('password');
    expect((await cli(target(), ['portal-users', 'create', 'Acme', 'not-an-email'])).code).toBe(2);
    expect(await cli(target(), ['portal-users', 'create', 'Acme', 'carol@example.com', '--password', 'long enough', '--generate'])).toMatchObject({
      code: 2,
      stderr: 'error: --password: give a password or --generate, not both\n',
    });
    expect(await store().portalUsers.findByEmail('carol@example.com')).toBeNull();
  });

  it('resets a password and disables a login, ending its open sessions; enable lets it in again', async () => {
    const bob = await store().portalUsers.findByEmail('bob@example.com');
    const { id: sessionId } = await store().portalUsers.createSession(bob!.id, HOUR_MS);

    const reset = await cliJson<{ user: PortalUser; password: string }>(target(), ['portal-users', 'reset-password', 'bob@example.com']);
    expect(await store().portalUsers.findSession(sessionId)).toBeNull();
    expect(await store().portalUsers.verifyLogin('bob@example.com', 'correct horse')).toBeNull();
    expect(await store().portalUsers.verifyLogin('bob@example.com', reset.password)).not.toBeNull();

    const { id: second } = await store().portalUsers.createSession(bob!.id, HOUR_MS);
    expect(await cli(target(), ['portal-users', 'disable', 'bob@example.com'])).toMatchObject({ code: 0, stdout: 'bob@example.com disabled\n' });
    expect(await store().portalUsers.findSession(second)).toBeNull();
    expect(await store().portalUsers.verifyLogin('bob@example.com', reset.password)).toBeNull();
    expect((await cli(target(), ['portal-users', 'list'])).stdout).toMatch(/bob@example\.com +no/);

    expect((await cli(target(), ['portal-users', 'enable', String(bob!.id)])).code).toBe(0);
    expect(await store().portalUsers.verifyLogin('bob@example.com', reset.password)).not.toBeNull();
    expect((await cli(target(), ['portal-users', 'disable', 'nobody@example.com'])).code).toBe(3);
    const reasons = (await store().auditLog.list({ kind: 'operator' })).map((entry) => entry.reason);
    expect(reasons).toEqual(expect.arrayContaining(['portal_user_created', 'portal_password_reset', 'portal_user_disabled', 'portal_user_enabled']));
  });
});
