import { createStore, InvalidStoreInput, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from './fixtures';

const T0 = Date.UTC(2030, 0, 1);
const POLICY = { maxAttempts: 3, lockMs: 15 * 60_000 };

describeEachDatabase('PINs', (getDb) => {
  let now = T0;
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb(), () => now);
  });

  it('stores a salted scrypt hash, never the PIN', async () => {
    const a = await accountWithBalance(store, 0);
    const b = await accountWithBalance(store, 0);
    await store.pins.set({ accountId: a.id }, '1234');
    await store.pins.set({ accountId: b.id }, '1234');
    const rows = await getDb()('pins').whereIn('account_id', [a.id, b.id]).select<{ pin_hash: string }[]>('pin_hash');
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.pin_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/);
      expect(row.pin_hash).not.toContain('1234');
    }
    expect(rows[0]?.pin_hash).not.toBe(rows[1]?.pin_hash);
  });

  it('verifies the right PIN and counts wrong ones until it locks', async () => {
    now = T0;
    const account = await accountWithBalance(store, 0);
    const owner = { accountId: account.id };
    await store.pins.set(owner, '4321');
    expect(await store.pins.verify(owner, '4321', POLICY)).toEqual({ ok: true });
    expect(await store.pins.verify(owner, '0000', POLICY)).toEqual({ ok: false, reason: 'wrong', failedAttempts: 1, lockedUntil: null });
    expect(await store.pins.verify(owner, '0000', POLICY)).toMatchObject({ reason: 'wrong', failedAttempts: 2 });
    const locked = { ok: false, reason: 'locked', failedAttempts: 3, lockedUntil: T0 + POLICY.lockMs };
    expect(await store.pins.verify(owner, '0000', POLICY)).toEqual(locked);
    // Locked: even the right PIN is refused, and guesses are not counted.
    expect(await store.pins.verify(owner, '4321', POLICY)).toMatchObject({ ok: false, reason: 'locked' });
    expect((await store.pins.find(owner))?.failedAttempts).toBe(3);

    now = T0 + POLICY.lockMs + 1;
    expect(await store.pins.verify(owner, '4321', POLICY)).toEqual({ ok: true });
    expect(await store.pins.find(owner)).toMatchObject({ failedAttempts: 0, lockedUntil: null });
  });

  it('counts concurrent wrong guesses without losing any', async () => {
    now = T0;
    const account = await accountWithBalance(store, 0);
    const owner = { accountId: account.id };
    await store.pins.set(owner, '5555');
    await Promise.all(Array.from({ length: 5 }, () => store.pins.verify(owner, '1111', { maxAttempts: 100, lockMs: 1 })));
    expect((await store.pins.find(owner))?.failedAttempts).toBe(5);
  });

  it('unlocks, replaces and removes PINs; card PINs are separate', async () => {
    now = T0;
    const account = await accountWithBalance(store, 0);
    const card = await store.cards.create({ number: String(Date.now()).slice(-10), currency: 'USD' });
    await store.pins.set({ accountId: account.id }, '1111');
    await store.pins.set({ cardId: card.id }, '2222');
    expect(await store.pins.verify({ cardId: card.id }, '1111', POLICY)).toMatchObject({ reason: 'wrong' });
    expect(await store.pins.verify({ cardId: card.id }, '2222', POLICY)).toEqual({ ok: true });

    for (let i = 0; i < 3; i += 1) await store.pins.verify({ accountId: account.id }, '9999', POLICY);
    expect(await store.pins.unlock({ accountId: account.id })).toBe(true);
    expect(await store.pins.verify({ accountId: account.id }, '1111', POLICY)).toEqual({ ok: true });

    await store.pins.set({ accountId: account.id }, '7777');
    expect(await store.pins.verify({ accountId: account.id }, '1111', POLICY)).toMatchObject({ ok: false });
    expect(await store.pins.verify({ accountId: account.id }, '7777', POLICY)).toEqual({ ok: true });
    expect(await store.pins.remove({ accountId: account.id })).toBe(true);
    expect(await store.pins.verify({ accountId: account.id }, '7777', POLICY)).toMatchObject({ reason: 'no_pin' });
  });

  it('refuses PINs that are not 4 to 12 digits', async () => {
    const account = await accountWithBalance(store, 0);
    await expect(store.pins.set({ accountId: account.id }, '12')).rejects.toThrow(InvalidStoreInput);
    await expect(store.pins.set({ accountId: account.id }, '12ab')).rejects.toThrow(InvalidStoreInput);
  });
});
