import { minorUnits } from '../../lib/domain/money';
import type { E164 } from '../../lib/domain/phone-number';
import { createStore, InvalidStoreInput, StoreConflict, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance, unique, uniqueNumber } from './fixtures';

describeEachDatabase('accounts and their numbers', (getDb) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  describe('accounts', () => {
    it('creates with defaults, finds and updates', async () => {
      const name = unique('Ada');
      const account = await store.accounts.create({ name, currency: 'EUR', timeZone: 'Europe/Berlin', country: 'DE', settings: { maxRetries: 2 } });
      expect(account).toMatchObject({
        name,
        currency: 'EUR',
        balanceMinor: 0,
        creditLimitMinor: 0,
        reservedMinor: 0,
        timeZone: 'Europe/Berlin',
        language: 'en',
        country: 'DE',
        maxConcurrentCallbacks: 2,
        tariffId: null,
        callbackNumber: null,
        settings: { maxRetries: 2 },
        active: true,
      });
      expect(await store.accounts.findByName(name)).toEqual(account);

      const updated = await store.accounts.update(account.id, {
        creditLimitMinor: minorUnits(500),
        active: false,
        callbackNumber: '+4930123456' as E164,
      });
      expect(updated).toMatchObject({ creditLimitMinor: 500, active: false, callbackNumber: '+4930123456', settings: { maxRetries: 2 } });
      expect(await store.accounts.update(999_999, { active: true })).toBeNull();
      expect((await store.accounts.list({ activeOnly: true })).some((a) => a.id === account.id)).toBe(false);
    });

    it('validates at the boundary', async () => {
      await expect(store.accounts.create({ name: unique('x'), currency: 'usd' })).rejects.toThrow(InvalidStoreInput);
      await expect(store.accounts.create({ name: unique('x'), currency: 'USD', timeZone: 'Mars/Olympus' })).rejects.toThrow(/time zone/);
      await expect(store.accounts.create({ name: '  ', currency: 'USD' })).rejects.toThrow(InvalidStoreInput);
      await expect(store.accounts.create({ name: unique('x'), currency: 'USD', creditLimitMinor: -1 as never })).rejects.toThrow(InvalidStoreInput);
    });

    it('charges a cost nothing was held for straight to the balance, even below zero', async () => {
      const account = await accountWithBalance(store, 100);
      expect(await store.accounts.charge(account.id, minorUnits(30))).toBe(true);
      expect(await store.accounts.charge(account.id, minorUnits(90))).toBe(true);
      expect(await store.accounts.balance(account.id)).toMatchObject({ balanceMinor: -20, reservedMinor: 0 });
      expect(await store.accounts.charge(999_999, minorUnits(1))).toBe(false);
      await expect(store.accounts.charge(account.id, minorUnits(0))).rejects.toThrow(InvalidStoreInput);
    });

    it('refuses a second account of the same name as a conflict, not as a driver error', async () => {
      const name = unique('twin');
      await store.accounts.create({ name, currency: 'USD' });
      await expect(store.accounts.create({ name, currency: 'USD' })).rejects.toThrow(StoreConflict);
    });
  });

  describe('caller IDs', () => {
    it('registers numbers, one account per number', async () => {
      const account = await accountWithBalance(store, 0);
      const other = await accountWithBalance(store, 0);
      const number = uniqueNumber();
      const callerId = await store.callerIds.add({ accountId: account.id, number, allowAuthorization: true });
      expect(callerId).toMatchObject({ accountId: account.id, number, allowAuthorization: true, rememberedAt: null });
      await expect(store.callerIds.add({ accountId: other.id, number })).rejects.toThrow(StoreConflict);
      expect(await store.callerIds.findByNumber(number)).toEqual(callerId);
      expect(await store.callerIds.setAllowAuthorization(account.id, number, false)).toBe(true);
      expect((await store.callerIds.listForAccount(account.id)).map((c) => c.allowAuthorization)).toEqual([false]);
      expect(await store.callerIds.remove(other.id, number)).toBe(false);
      expect(await store.callerIds.remove(account.id, number)).toBe(true);
    });

    it('reports an unknown account as invalid input, not as a driver error', async () => {
      await expect(store.callerIds.add({ accountId: 999_999, number: uniqueNumber() })).rejects.toThrow(InvalidStoreInput);
      await expect(store.accounts.create({ name: unique('x'), currency: 'USD', tariffId: 999_999 })).rejects.toThrow(/does not exist/);
    });

    it('remembers a number after a PIN, but never takes another account’s number', async () => {
      const account = await accountWithBalance(store, 0);
      const other = await accountWithBalance(store, 0);
      const fresh = uniqueNumber();
      expect(await store.callerIds.remember(account.id, fresh)).toMatchObject({ accountId: account.id, allowAuthorization: true });
      expect((await store.callerIds.findByNumber(fresh))?.rememberedAt).not.toBeNull();
      expect(await store.callerIds.remember(other.id, fresh)).toBeNull();
      expect((await store.callerIds.findByNumber(fresh))?.accountId).toBe(account.id);
    });
  });

  describe('access numbers', () => {
    it('creates, finds by DID and updates with the method checked against its target', async () => {
      const owner = await accountWithBalance(store, 0);
      const did = uniqueNumber();
      const input = { did, accountId: owner.id, method: 'call_to_number' as const, targetNumber: '+4930999999', settings: { delayMs: 3000 } };
      const access = await store.accessNumbers.create(input);
      expect(access).toMatchObject({ ...input, authMode: 'ani', active: true });
      expect(await store.accessNumbers.findByDid(did)).toEqual(access);
      await expect(store.accessNumbers.create({ did })).rejects.toThrow(StoreConflict);
      await expect(store.accessNumbers.create({ did: uniqueNumber(), method: 'call_extension', targetNumber: '+49' })).rejects.toThrow(
        InvalidStoreInput,
      );
      await expect(store.accessNumbers.update(access.id, { method: 'call_extension' })).rejects.toThrow(InvalidStoreInput);
      expect(await store.accessNumbers.update(access.id, { method: 'call_extension', targetNumber: '1001', authMode: 'pin' })).toMatchObject({
        method: 'call_extension',
        targetNumber: '1001',
        authMode: 'pin',
        did,
      });
      expect(await store.accessNumbers.update(access.id, { method: 'call_to_caller' })).toMatchObject({ targetNumber: null });
      expect(await store.accessNumbers.remove(access.id)).toBe(true);
    });
  });

  describe('calling cards', () => {
    it('creates cards and never charges them below zero, even concurrently', async () => {
      const number = String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
      const card = await store.cards.create({ number, currency: 'USD', balanceMinor: minorUnits(100), expiresAt: Date.UTC(2040, 0, 1) });
      expect(card).toMatchObject({ number, balanceMinor: 100, active: true, accountId: null });
      await expect(store.cards.create({ number, currency: 'USD' })).rejects.toThrow(StoreConflict);
      const charges = await Promise.all(Array.from({ length: 8 }, () => store.cards.adjustBalance(card.id, minorUnits(-30))));
      expect(charges.filter(Boolean)).toHaveLength(3);
      expect((await store.cards.findByNumber(number))?.balanceMinor).toBe(10);
      expect(await store.cards.adjustBalance(card.id, minorUnits(50))).toBe(true);
      expect(await store.cards.update(card.id, { active: false })).toMatchObject({ active: false, balanceMinor: 60 });
    });
  });

  describe('phone book', () => {
    it('saves, renames on a second save, lists by name and removes', async () => {
      const account = await accountWithBalance(store, 0);
      const mum = uniqueNumber();
      await store.phoneBook.save({ accountId: account.id, name: 'Mum', number: mum });
      await store.phoneBook.save({ accountId: account.id, name: 'Bob', number: uniqueNumber() });
      await store.phoneBook.save({ accountId: account.id, name: 'Mother', number: mum });
      expect((await store.phoneBook.list(account.id)).map((entry) => entry.name)).toEqual(['Bob', 'Mother']);
      expect(await store.phoneBook.remove(account.id, mum)).toBe(true);
      expect(await store.phoneBook.find(account.id, mum)).toBeNull();
    });
  });
});
