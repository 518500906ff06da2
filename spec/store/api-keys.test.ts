import { createStore, LAST_USED_RESOLUTION_MS, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from './fixtures';

describeEachDatabase('API keys', (getDb) => {
  let store: Store;
  const clock = new ManualClock();
  beforeAll(() => {
    store = createStore(getDb(), () => clock.now());
  });

  /** The key's record when it works now, else null. */
  const working = async (plainKey: string) => {
    const check = await store.apiKeys.authenticate(plainKey);
    return check.kind === 'valid' ? check.apiKey : null;
  };

  it('hands out the key once, stores only its hash, and verifies it', async () => {
    const account = await accountWithBalance(store, 0);
    const { apiKey, plainKey } = await store.apiKeys.create({ accountId: account.id, label: 'portal' });
    expect(plainKey.length).toBeGreaterThanOrEqual(32);
    expect(apiKey).toMatchObject({ accountId: account.id, label: 'portal', prefix: plainKey.slice(0, 8), revokedAt: null, lastUsedAt: null });

    const row = await getDb()('api_keys').where({ id: apiKey.id }).first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(plainKey);

    expect(await working(plainKey)).toEqual({ ...apiKey, lastUsedAt: clock.now() });
    expect(await store.apiKeys.authenticate(`${plainKey}x`)).toEqual({ kind: 'unknown' });
    expect(await store.apiKeys.authenticate(`${plainKey.slice(0, 8)}${'A'.repeat(plainKey.length - 8)}`)).toEqual({ kind: 'unknown' });
    expect(await store.apiKeys.authenticate('short')).toEqual({ kind: 'unknown' });
  });

  it('records the last use to the minute, without a write for every request', async () => {
    const account = await accountWithBalance(store, 0);
    const { apiKey, plainKey } = await store.apiKeys.create({ accountId: account.id });
    const first = clock.now();
    await working(plainKey);
    await clock.advance(LAST_USED_RESOLUTION_MS - 1);
    await working(plainKey);
    expect((await store.apiKeys.findById(apiKey.id))?.lastUsedAt).toBe(first);
    await clock.advance(1);
    await working(plainKey);
    expect((await store.apiKeys.findById(apiKey.id))?.lastUsedAt).toBe(clock.now());
  });

  it('tells a revoked key from an unknown one', async () => {
    const { apiKey, plainKey } = await store.apiKeys.create({ accountId: null, label: 'operator' });
    expect((await working(plainKey))?.accountId).toBeNull();
    expect(await store.apiKeys.revoke(apiKey.id)).toBe(true);
    expect(await store.apiKeys.revoke(apiKey.id)).toBe(false);
    expect(await store.apiKeys.authenticate(plainKey)).toMatchObject({ kind: 'revoked', apiKey: { id: apiKey.id, revokedAt: clock.now() } });
    expect((await store.apiKeys.list(null)).find((key) => key.id === apiKey.id)?.revokedAt).not.toBeNull();
  });

  it('rotates a key: the new one works at once, the old one until its grace period ends', async () => {
    const account = await accountWithBalance(store, 0);
    const old = await store.apiKeys.create({ accountId: account.id, label: 'billing' });
    const rotated = await store.apiKeys.rotate(old.apiKey.id, 3_600_000);
    expect(rotated?.issued.apiKey).toMatchObject({ accountId: account.id, label: 'billing', revokedAt: null });
    expect(rotated?.replaced.revokedAt).toBe(clock.now() + 3_600_000);
    expect(await working(rotated!.issued.plainKey)).not.toBeNull();
    expect(await working(old.plainKey)).not.toBeNull();
    await clock.advance(3_600_000);
    expect((await store.apiKeys.authenticate(old.plainKey)).kind).toBe('revoked');
    expect(await store.apiKeys.rotate(old.apiKey.id, 0)).toBeNull();
    expect(await store.apiKeys.rotate(999_999, 0)).toBeNull();

    // Without grace the old key stops at once; revoking a key in its grace period stops it too.
    const next = await store.apiKeys.rotate(rotated!.issued.apiKey.id, 0);
    expect((await store.apiKeys.authenticate(rotated!.issued.plainKey)).kind).toBe('revoked');
    const graced = await store.apiKeys.rotate(next!.issued.apiKey.id, 60_000);
    expect(await store.apiKeys.revoke(next!.issued.apiKey.id)).toBe(true);
    expect((await store.apiKeys.authenticate(next!.issued.plainKey)).kind).toBe('revoked');
    expect(await working(graced!.issued.plainKey)).not.toBeNull();
    expect((await store.apiKeys.listAll()).filter((key) => key.accountId === account.id)).toHaveLength(4);
  });

  it("lists every key, the operator's first, then each account's by age", async () => {
    const account = await accountWithBalance(store, 0);
    const accountKey = await store.apiKeys.create({ accountId: account.id, label: 'crm' });
    const operatorKey = await store.apiKeys.create({ accountId: null, label: 'ops' });
    const all = await store.apiKeys.listAll();
    expect(all.map((key) => key.id)).toEqual(expect.arrayContaining([accountKey.apiKey.id, operatorKey.apiKey.id]));
    const operatorKeys = all.findIndex((key) => key.accountId !== null);
    expect(all.slice(0, operatorKeys).every((key) => key.accountId === null)).toBe(true);
    expect(all.slice(operatorKeys).every((key) => key.accountId !== null)).toBe(true);
    const byAccountThenAge = [...all].sort((a, b) => (a.accountId ?? 0) - (b.accountId ?? 0) || a.id - b.id);
    expect(all).toEqual(byAccountThenAge);
  });

  it('tells apart keys that share a prefix', async () => {
    const account = await accountWithBalance(store, 0);
    const first = await store.apiKeys.create({ accountId: account.id });
    const second = await store.apiKeys.create({ accountId: account.id });
    // Force a prefix collision: verification must still compare the whole key.
    await getDb()('api_keys').where({ id: second.apiKey.id }).update({ prefix: first.apiKey.prefix });
    const forged = `${first.apiKey.prefix}${second.plainKey.slice(8)}`;
    expect((await working(first.plainKey))?.id).toBe(first.apiKey.id);
    expect(await store.apiKeys.authenticate(forged)).toEqual({ kind: 'unknown' });
    expect(await store.apiKeys.list(account.id)).toHaveLength(2);
  });
});
