import { seedDemo, DEMO } from '../../db/seeds/demo';
import { createStore, StoreConflict, InvalidStoreInput } from '../../lib/store';
import { sha256Hex } from '../../lib/store/secrets';
import { ManualClock } from '../../lib/time/clock';
import { accountWithBalance, unique } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';

describeEachDatabase('portal users and sessions', (getDb) => {
  const clock = new ManualClock();
  const store = () => createStore(getDb(), () => clock.now());

  it('stores a login with a salted scrypt hash, lower-cased email, unique', async () => {
    const account = await accountWithBalance(store(), 0);
    const email = `${unique('Ann')}@Example.com`;
    const user = await store().portalUsers.create({ accountId: account.id, email, password: 'long enough' });
    expect(user).toMatchObject({ accountId: account.id, email: email.toLowerCase(), active: true, lastLoginAt: null });
    const row = (await getDb()('portal_users').where({ id: user.id }).first()) as { password_hash: string };
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row.password_hash).not.toContain('long enough');
    await expect(store().portalUsers.create({ accountId: account.id, email: email.toUpperCase(), password: 'long enough' })).rejects.toBeInstanceOf(StoreConflict);
    await expect(store().portalUsers.create({ accountId: account.id, email: 'not-an-email', password: 'long enough' })).rejects.toBeInstanceOf(InvalidStoreInput);
    await expect(store().portalUsers.create({ accountId: account.id, email: 'short@example.com', password: 'short' })).rejects.toBeInstanceOf(InvalidStoreInput);
  });

  it('verifies logins: right password only, active users only', async () => {
    const account = await accountWithBalance(store(), 0);
    const email = `${unique('bob')}@example.com`;
    const user = await store().portalUsers.create({ accountId: account.id, email, password: 'secret-one' });
    expect(await store().portalUsers.verifyLogin(email, 'secret-two')).toBeNull();
    expect(await store().portalUsers.verifyLogin('nobody@example.com', 'secret-one')).toBeNull();
    expect(await store().portalUsers.verifyLogin(` ${email.toUpperCase()} `, 'secret-one')).toMatchObject({ id: user.id });
    expect((await store().portalUsers.findById(user.id))?.lastLoginAt).toBe(clock.now());
    await store().portalUsers.setActive(user.id, false);
    expect(await store().portalUsers.verifyLogin(email, 'secret-one')).toBeNull();
  });

  it('keeps sessions by the hash of their id, until they expire, the user logs out or changes the password', async () => {
    const account = await accountWithBalance(store(), 0);
    const user = await store().portalUsers.create({ accountId: account.id, email: `${unique('cy')}@example.com`, password: 'secret-one' });
    const { id, session } = await store().portalUsers.createSession(user.id, 60_000);
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    expect(await getDb()('portal_sessions').where({ id_hash: id }).first()).toBeUndefined();
    expect(await getDb()('portal_sessions').where({ id_hash: sha256Hex(id) }).first()).toBeDefined();
    expect(await store().portalUsers.findSession(id)).toMatchObject({ session: { userId: user.id, csrfToken: session.csrfToken }, user: { id: user.id } });
    expect(await store().portalUsers.findSession(`${id}x`)).toBeNull();

    await clock.advance(60_000);
    expect(await store().portalUsers.findSession(id)).toBeNull();
    expect(await store().portalUsers.deleteExpiredSessions()).toBeGreaterThanOrEqual(1);

    const second = await store().portalUsers.createSession(user.id, 60_000);
    expect(await store().portalUsers.deleteSession(second.id)).toBe(true);
    expect(await store().portalUsers.findSession(second.id)).toBeNull();

    const third = await store().portalUsers.createSession(user.id, 60_000);
    await store().portalUsers.setPassword(user.id, 'secret-two');
    expect(await store().portalUsers.findSession(third.id)).toBeNull();
    expect(await store().portalUsers.verifyLogin(user.email, 'secret-two')).not.toBeNull();
  });

  it('seeds the demo login once', async () => {
    const first = await seedDemo(getDb());
    await seedDemo(getDb());
    const user = await store().portalUsers.verifyLogin(DEMO.portalEmail, DEMO.portalPassword);
    expect(user).toMatchObject({ accountId: first.accountId, email: 'demo@example.com' });
    expect(await store().portalUsers.listForAccount(first.accountId)).toHaveLength(1);
  });
});
