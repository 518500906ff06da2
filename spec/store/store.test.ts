import { AccountsRepository, createStore, inTransaction, LegsRepository } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from './fixtures';

describeEachDatabase('a Store', (getDb) => {
  it('builds each repository once, when it is first asked for', () => {
    const store = createStore(getDb());
    const accounts = store.accounts;
    expect(accounts).toBeInstanceOf(AccountsRepository);
    expect(store.accounts).toBe(accounts);
    expect(store.legs).toBeInstanceOf(LegsRepository);
    expect(createStore(getDb()).accounts).not.toBe(accounts);
  });

  it('binds the repositories of a transaction to it: its writes land with it, or not at all', async () => {
    const db = getDb();
    const store = createStore(db);
    const account = await accountWithBalance(store, 0);
    await expect(
      inTransaction(db, async (tx) => {
        expect(tx.db).not.toBe(db);
        await tx.accounts.update(account.id, { name: 'renamed in a transaction that fails' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await store.accounts.findById(account.id))?.name).toBe(account.name);
    await inTransaction(db, (tx) => tx.accounts.update(account.id, { name: 'renamed' }));
    expect((await store.accounts.findById(account.id))?.name).toBe('renamed');
  });
});
