import knex, { type Knex } from 'knex';
import type { Extension } from '../../lib/domain/call-endpoint';
import { createStore, type Store } from '../../lib/store';
import { CachedPrices } from '../../lib/store/cached-prices';
import { describeEachDatabase } from '../support/databases';
import { unique } from './fixtures';

const T0 = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;
const MAX_AGE_MS = 30_000;

/** Counts the statements a knex sends from now on. */
function counting(db: Knex): { readonly count: number; stop(): void } {
  let count = 0;
  const listener = (): void => void (count += 1);
  db.on('query', listener);
  return {
    get count() {
      return count;
    },
    stop: () => void db.off('query', listener),
  };
}

describeEachDatabase('cached prices', (getDb) => {
  let now = T0;
  let store: Store;
  let prices: CachedPrices;
  /** The same database opened a second time: another process, whose writes this one is not told of. */
  let other: Knex;
  let otherStore: Store;

  beforeAll(() => {
    store = createStore(getDb(), () => now);
    other = knex({ ...(getDb().client as { config: Knex.Config }).config });
    otherStore = createStore(other, () => now);
  });
  afterAll(async () => {
    await other.destroy();
  });
  beforeEach(() => {
    now = T0;
    prices = new CachedPrices(store, { db: getDb(), maxAgeMs: MAX_AGE_MS, now: () => now });
  });

  async function tariffWith(rates: Array<{ prefix: string; ratePerMinute: number }>): Promise<number> {
    const tariff = await store.tariffs.createTariff({ name: unique('t'), currency: 'USD', kind: 'retail' });
    await store.tariffs.importRates(tariff.id, rates);
    return tariff.id;
  }

  describe('sell rates', () => {
    it('answers as the store does, from one read of the tariff', async () => {
      const tariffId = await tariffWith([
        { prefix: '49', ratePerMinute: 100 },
        { prefix: '4930', ratePerMinute: 200 },
        { prefix: 'ext:1', ratePerMinute: 300 },
      ]);
      const numbers = ['+4930123', '+4940123', '4930', '+33123'];
      const expected = await Promise.all(numbers.map((number) => store.tariffs.findRateByLongestPrefix(tariffId, number)));
      const expectedExtension = await store.tariffs.findExtensionRate(tariffId, '1001' as Extension);
      const sent = counting(getDb());
      try {
        for (const [index, number] of numbers.entries()) expect(await prices.sellRate(tariffId, number)).toEqual(expected[index]);
        expect(await prices.extensionRate(tariffId, '1001' as Extension)).toEqual(expectedExtension);
        expect(expectedExtension).toMatchObject({ prefix: 'ext:1' });
        expect(sent.count).toBe(1);
      } finally {
        sent.stop();
      }
      // Never an extension's rate for a number, never a number's for an extension.
      expect(await prices.sellRate(tariffId, '1')).toBeNull();
      expect(await prices.extensionRate(tariffId, '2' as Extension)).toBeNull();
    });

    it('refuses a number that is not digits, as the store does', async () => {
      const tariffId = await tariffWith([{ prefix: '49', ratePerMinute: 100 }]);
      await expect(prices.sellRate(tariffId, '+49a')).rejects.toThrow('invalid number to rate: must be 1 to 15 digits');
    });

    it("sees this process's import, removal and tariff removal at once, through any store on the database", async () => {
      const tariffId = await tariffWith([{ prefix: '49', ratePerMinute: 100 }]);
      expect(await prices.sellRate(tariffId, '+4930')).toMatchObject({ ratePerMinute: 100 });
      const elsewhereHere = createStore(getDb(), () => now);
      await elsewhereHere.tariffs.importRates(tariffId, [{ prefix: '49', ratePerMinute: 150 }]);
      expect(await prices.sellRate(tariffId, '+4930')).toMatchObject({ ratePerMinute: 150 });
      await elsewhereHere.tariffs.removeRate(tariffId, '49');
      expect(await prices.sellRate(tariffId, '+4930')).toBeNull();
      await elsewhereHere.tariffs.importRates(tariffId, [{ prefix: '4', ratePerMinute: 7 }]);
      expect(await prices.sellRate(tariffId, '+4930')).toMatchObject({ ratePerMinute: 7 });
      await elsewhereHere.tariffs.removeTariff(tariffId);
      expect(await prices.sellRate(tariffId, '+4930')).toBeNull();
    });

    it("sees another process's change once the bound has passed, not before", async () => {
      const tariffId = await tariffWith([{ prefix: '49', ratePerMinute: 100 }]);
      expect(await prices.sellRate(tariffId, '+4930')).toMatchObject({ ratePerMinute: 100 });
      await otherStore.tariffs.importRates(tariffId, [{ prefix: '49', ratePerMinute: 150 }]);
      now = T0 + MAX_AGE_MS - 1;
      expect(await prices.sellRate(tariffId, '+4930')).toMatchObject({ ratePerMinute: 100 });
      now = T0 + MAX_AGE_MS;
      expect(await prices.sellRate(tariffId, '+4930')).toMatchObject({ ratePerMinute: 150 });
    });

    it('keeps nothing read while a change was made: a caller after the change never gets the rows from before it', async () => {
      const tariffId = await tariffWith([{ prefix: '49', ratePerMinute: 100 }]);
      const before = prices.sellRate(tariffId, '+4930');
      await store.tariffs.importRates(tariffId, [{ prefix: '49', ratePerMinute: 150 }]);
      const after = prices.sellRate(tariffId, '+4930');
      await before;
      expect(await after).toMatchObject({ ratePerMinute: 150 });
      expect(await prices.sellRate(tariffId, '+4930')).toMatchObject({ ratePerMinute: 150 });
    });

    it('with a bound of 0, reads the database for every call', async () => {
      const tariffId = await tariffWith([{ prefix: '49', ratePerMinute: 100 }]);
      const uncached = new CachedPrices(store, { db: getDb(), maxAgeMs: 0, now: () => now });
      expect(await uncached.sellRate(tariffId, '+4930')).toMatchObject({ ratePerMinute: 100 });
      await otherStore.tariffs.importRates(tariffId, [{ prefix: '49', ratePerMinute: 150 }]);
      expect(await uncached.sellRate(tariffId, '+4930')).toMatchObject({ ratePerMinute: 150 });
    });
  });

  describe('carriers', () => {
    it("gives a carrier's identity, and its change in this process at once", async () => {
      const carrier = await store.carriers.create({ name: unique('c'), currency: 'EUR' });
      expect(await prices.carrierIdentity(carrier.id)).toEqual({ id: carrier.id, name: carrier.name, currency: 'EUR' });
      const renamed = unique('c');
      await createStore(getDb()).carriers.update(carrier.id, { name: renamed });
      expect(await prices.carrierIdentity(carrier.id)).toEqual({ id: carrier.id, name: renamed, currency: 'EUR' });
      expect(await prices.carrierIdentity(999_999)).toBeNull();
    });

    it("sees another process's rename once the bound has passed", async () => {
      const carrier = await store.carriers.create({ name: unique('c') });
      await prices.carrierIdentity(carrier.id);
      const renamed = unique('c');
      await otherStore.carriers.update(carrier.id, { name: renamed });
      expect(await prices.carrierIdentity(carrier.id)).toMatchObject({ name: carrier.name });
      now = T0 + MAX_AGE_MS;
      expect(await prices.carrierIdentity(carrier.id)).toMatchObject({ name: renamed });
    });
  });

  describe('buy rates in force', () => {
    it('switches to a sheet dated ahead at its instant, from memory, without a read', async () => {
      const carrier = await store.carriers.create({ name: unique('c') });
      await store.buyRates.importRates(carrier.id, [{ prefix: '1', ratePerMinute: 100 }], { effectiveFrom: T0 - HOUR });
      await store.buyRates.importRates(carrier.id, [{ prefix: '1', ratePerMinute: 80 }, { prefix: '1555', ratePerMinute: 60 }], { effectiveFrom: T0 + HOUR });
      expect(await prices.buyRateInForce(carrier.id, '+15551234', T0)).toMatchObject({ ratePerMinute: 100, prefix: '1' });
      // A bound far beyond the switch: the switch does not wait for a read.
      const longLived = new CachedPrices(store, { db: getDb(), maxAgeMs: 10 * HOUR, now: () => now });
      await longLived.buyRateInForce(carrier.id, '+15551234', T0);
      const sent = counting(getDb());
      try {
        now = T0 + HOUR;
        expect(await longLived.buyRateInForce(carrier.id, '+15551234', T0 + HOUR - 1)).toMatchObject({ ratePerMinute: 100 });
        expect(await longLived.buyRateInForce(carrier.id, '+15551234', T0 + HOUR)).toMatchObject({ ratePerMinute: 60, prefix: '1555' });
        expect(await longLived.buyRateInForce(carrier.id, '+19991234', T0 + HOUR)).toMatchObject({ ratePerMinute: 80 });
        expect(sent.count).toBe(0);
      } finally {
        sent.stop();
      }
    });

    it('asks the database for a leg that started before the sheet in force at the read took effect', async () => {
      const carrier = await store.carriers.create({ name: unique('c') });
      await store.buyRates.importRates(carrier.id, [{ prefix: '1', ratePerMinute: 100 }], { effectiveFrom: T0 - 2 * HOUR });
      await store.buyRates.importRates(carrier.id, [{ prefix: '1', ratePerMinute: 90 }], { effectiveFrom: T0 - HOUR });
      expect(await prices.buyRateInForce(carrier.id, '+1555', T0)).toMatchObject({ ratePerMinute: 90 });
      expect(await prices.buyRateInForce(carrier.id, '+1555', T0 - HOUR - 1)).toMatchObject({ ratePerMinute: 100 });
      expect(await prices.buyRateInForce(carrier.id, '+1555', T0 - 3 * HOUR)).toBeNull();
    });

    it("sees this process's import and sheet removal at once, another process's within the bound", async () => {
      const carrier = await store.carriers.create({ name: unique('c') });
      await store.buyRates.importRates(carrier.id, [{ prefix: '1', ratePerMinute: 100 }], { effectiveFrom: T0 - HOUR });
      expect(await prices.buyRateInForce(carrier.id, '+1555', T0)).toMatchObject({ ratePerMinute: 100 });
      await createStore(getDb()).buyRates.importRates(carrier.id, [{ prefix: '1', ratePerMinute: 50 }], { effectiveFrom: T0 - HOUR });
      expect(await prices.buyRateInForce(carrier.id, '+1555', T0)).toMatchObject({ ratePerMinute: 50 });
      await otherStore.buyRates.importRates(carrier.id, [{ prefix: '1', ratePerMinute: 40 }], { effectiveFrom: T0 - 1 });
      expect(await prices.buyRateInForce(carrier.id, '+1555', T0)).toMatchObject({ ratePerMinute: 50 });
      now = T0 + MAX_AGE_MS;
      expect(await prices.buyRateInForce(carrier.id, '+1555', T0)).toMatchObject({ ratePerMinute: 40 });
      await store.buyRates.removeSheet(carrier.id, T0 - 1);
      expect(await prices.buyRateInForce(carrier.id, '+1555', T0)).toMatchObject({ ratePerMinute: 50 });
    });
  });
});
