import { minorUnits } from '../../lib/domain/money';
import { createStore, InvalidStoreInput, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from './fixtures';

describeEachDatabase('payments', (getDb) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  it('records a payment and moves the balance with it', async () => {
    const account = await accountWithBalance(store, 0);
    const input = { accountId: account.id, amountMinor: minorUnits(2500), currency: 'USD', method: 'bank', reference: 'INV-1', operator: 'alice' };
    expect(await store.payments.record(input)).toMatchObject(input);
    await store.payments.record({ accountId: account.id, amountMinor: minorUnits(-500), currency: 'USD', method: 'correction' });
    expect((await store.accounts.findById(account.id))?.balanceMinor).toBe(2000);
    expect((await store.payments.listForAccount(account.id)).map((p) => p.amountMinor)).toEqual([-500, 2500]);
  });

  it('writes neither the payment nor the balance when the payment is refused', async () => {
    const account = await accountWithBalance(store, 100);
    await expect(
      store.payments.record({ accountId: account.id, amountMinor: minorUnits(100), currency: 'EUR', method: 'bank' }),
    ).rejects.toThrow(InvalidStoreInput);
    await expect(store.payments.record({ accountId: account.id, amountMinor: minorUnits(0), currency: 'USD', method: 'bank' })).rejects.toThrow(
      InvalidStoreInput,
    );
    await expect(store.payments.record({ accountId: 999_999, amountMinor: minorUnits(1), currency: 'USD', method: 'bank' })).rejects.toThrow(
      InvalidStoreInput,
    );
    expect((await store.accounts.findById(account.id))?.balanceMinor).toBe(100);
    expect(await store.payments.listForAccount(account.id)).toHaveLength(1);
  });

  it('adds up concurrent payments exactly', async () => {
    const account = await accountWithBalance(store, 0);
    await Promise.all(
      Array.from({ length: 10 }, () => store.payments.record({ accountId: account.id, amountMinor: minorUnits(7), currency: 'USD', method: 'api' })),
    );
    expect((await store.accounts.findById(account.id))?.balanceMinor).toBe(70);
  });
});
