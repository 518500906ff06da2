import { createStore, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from './fixtures';

describeEachDatabase('API keys', (getDb) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  it('hands out the key once, stores only its hash, and verifies it', async () => {
    const account = await accountWithBalance(store, 0);
    const { apiKey, plainKey } = await store.apiKeys.create({ accountId: account.id, label: 'portal' });
    expect(plainKey.length).toBeGreaterThanOrEqual(32);
    expect(apiKey).toMatchObject({ accountId: account.id, label: 'portal', prefix: plainKey.slice(0, 8), revokedAt: null });

    const row = await getDb()('api_keys').where({ id: apiKey.id }).first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(plainKey);

    expect(await store.apiKeys.verify(plainKey)).toEqual(apiKey);
    expect(await store.apiKeys.verify(`${plainKey}x`)).toBeNull();
    expect(await store.apiKeys.verify(`${plainKey.slice(0, 8)}${'A'.repeat(plainKey.length - 8)}`)).toBeNull();
    expect(await store.apiKeys.verify('short')).toBeNull();
  });

  it('stops verifying a revoked key', async () => {
    const { apiKey, plainKey } = await store.apiKeys.create({ accountId: null, label: 'operator' });
    expect((await store.apiKeys.verify(plainKey))?.accountId).toBeNull();
    expect(await store.apiKeys.revoke(apiKey.id)).toBe(true);
    expect(await store.apiKeys.revoke(apiKey.id)).toBe(false);
    expect(await store.apiKeys.verify(plainKey)).toBeNull();
    expect((await store.apiKeys.list(null)).find((key) => key.id === apiKey.id)?.revokedAt).not.toBeNull();
  });

  it('tells apart keys that share a prefix', async () => {
    const account = await accountWithBalance(store, 0);
    const first = await store.apiKeys.create({ accountId: account.id });
    const second = await store.apiKeys.create({ accountId: account.id });
    // Force a prefix collision: verification must still compare the whole key.
    await getDb()('api_keys').where({ id: second.apiKey.id }).update({ prefix: first.apiKey.prefix });
    const forged = `${first.apiKey.prefix}${second.plainKey.slice(8)}`;
    expect((await store.apiKeys.verify(first.plainKey))?.id).toBe(first.apiKey.id);
    expect(await store.apiKeys.verify(forged)).toBeNull();
    expect(await store.apiKeys.list(account.id)).toHaveLength(2);
  });
});
