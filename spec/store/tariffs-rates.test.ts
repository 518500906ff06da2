import type { Extension } from '../../lib/domain/call-endpoint';
import { minorUnits } from '../../lib/domain/money';
import { createStore, InvalidStoreInput, StoreConflict, type Store, type Tariff } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { unique } from './fixtures';

describeEachDatabase('tariffs and rates', (getDb) => {
  let store: Store;
  let tariff: Tariff;
  beforeAll(async () => {
    store = createStore(getDb());
    tariff = await store.tariffs.createTariff({ name: unique('retail'), currency: 'USD', kind: 'retail' });
    await store.tariffs.importRates(tariff.id, [
      { prefix: '4', ratePerMinute: 50_000 },
      { prefix: '49', ratePerMinute: 15_000, incrementFirstSeconds: 1, incrementNextSeconds: 1 },
      { prefix: '4915', description: 'Germany mobile', ratePerMinute: 125, connectionFeeMinor: minorUnits(2) },
      { prefix: '1', ratePerMinute: 10_000 },
    ]);
  });

  it('finds the rate by the longest matching prefix', async () => {
    expect((await store.tariffs.findRateByLongestPrefix(tariff.id, '+4915123456789'))?.prefix).toBe('4915');
    expect((await store.tariffs.findRateByLongestPrefix(tariff.id, '4930123456'))?.prefix).toBe('49');
    expect((await store.tariffs.findRateByLongestPrefix(tariff.id, '+441234567890'))?.prefix).toBe('4');
    expect(await store.tariffs.findRateByLongestPrefix(tariff.id, '+33123456789')).toBeNull();
    await expect(store.tariffs.findRateByLongestPrefix(tariff.id, '49; DROP')).rejects.toThrow(InvalidStoreInput);
  });

  it('keeps ext: rates for extension legs apart from number rates, both ways (issue #17 item 5)', async () => {
    const internal = await store.tariffs.createTariff({ name: unique('internal'), currency: 'USD', kind: 'callback' });
    await store.tariffs.importRates(internal.id, [
      { prefix: '1', ratePerMinute: 10_000 },
      { prefix: '100', ratePerMinute: 20_000 },
      { prefix: 'ext:', ratePerMinute: 1_000 },
      { prefix: 'ext:10', ratePerMinute: 2_000 },
    ]);
    const extension = (digits: string) => store.tariffs.findExtensionRate(internal.id, digits as Extension);
    expect((await extension('1001'))?.prefix).toBe('ext:10');
    expect((await extension('2001'))?.prefix).toBe('ext:');
    expect((await extension('1234567890123456'))?.prefix).toBe('ext:');
    expect((await store.tariffs.findRateByLongestPrefix(internal.id, '+10015550100'))?.prefix).toBe('100');
    expect((await store.tariffs.findRateByLongestPrefix(internal.id, '1001'))?.prefix).toBe('100');
    // Without ext: rows, an extension finds nothing (it is then free), even where number prefixes match its digits.
    expect(await store.tariffs.findExtensionRate(tariff.id, '4915' as Extension)).toBeNull();
    await expect(store.tariffs.importRates(internal.id, [{ prefix: 'ext:1x', ratePerMinute: 1 }])).rejects.toThrow(
      'invalid rate #1: ✖ expected ext: followed by at most 11 digits of the extension, or ext: alone for every extension (got "ext:1x")\n  → at prefix',
    );
  });

  it('does not see another tariff’s rates', async () => {
    const other = await store.tariffs.createTariff({ name: unique('callback'), currency: 'USD', kind: 'callback' });
    await store.tariffs.importRates(other.id, [{ prefix: '491', ratePerMinute: 1 }]);
    expect((await store.tariffs.findRateByLongestPrefix(tariff.id, '+4915123456789'))?.tariffId).toBe(tariff.id);
    expect((await store.tariffs.findRateByLongestPrefix(other.id, '+4930123456'))).toBeNull();
  });

  it('keeps rates with their exact integer units and defaults', async () => {
    const rate = await store.tariffs.findRateByLongestPrefix(tariff.id, '4915');
    expect(rate).toMatchObject({
      description: 'Germany mobile',
      ratePerMinute: 125,
      connectionFeeMinor: 2,
      incrementFirstSeconds: 60,
      incrementNextSeconds: 60,
      minimumSeconds: 0,
    });
  });

  it('updates rates by prefix on re-import, and replaces them all on request', async () => {
    const own = await store.tariffs.createTariff({ name: unique('import'), currency: 'EUR', kind: 'retail' });
    await store.tariffs.importRates(own.id, [
      { prefix: '44', ratePerMinute: 20_000 },
      { prefix: '33', ratePerMinute: 30_000 },
    ]);
    await store.tariffs.importRates(own.id, [{ prefix: '44', ratePerMinute: 21_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 }]);
    expect((await store.tariffs.listRates(own.id)).map((r) => [r.prefix, r.ratePerMinute, r.incrementNextSeconds])).toEqual([
      ['33', 30_000, 60],
      ['44', 21_000, 6],
    ]);
    await store.tariffs.importRates(own.id, [{ prefix: '7', ratePerMinute: 1 }], { replace: true });
    expect((await store.tariffs.listRates(own.id)).map((r) => r.prefix)).toEqual(['7']);
  });

  it('imports all or nothing', async () => {
    const own = await store.tariffs.createTariff({ name: unique('atomic'), currency: 'USD', kind: 'retail' });
    await expect(
      store.tariffs.importRates(own.id, [
        { prefix: '1', ratePerMinute: 1 },
        { prefix: '1x', ratePerMinute: 1 },
      ]),
    ).rejects.toThrow(/rate #2/);
    await expect(
      store.tariffs.importRates(own.id, [
        { prefix: '1', ratePerMinute: 1 },
        { prefix: '1', ratePerMinute: 2 },
      ]),
    ).rejects.toThrow(StoreConflict);
    expect(await store.tariffs.listRates(own.id)).toEqual([]);
  });

  it('imports more rates than one statement carries', async () => {
    const own = await store.tariffs.createTariff({ name: unique('large'), currency: 'USD', kind: 'retail' });
    const rates = Array.from({ length: 1200 }, (_, i) => ({ prefix: String(10_000 + i), ratePerMinute: i }));
    expect(await store.tariffs.importRates(own.id, rates)).toBe(1200);
    expect(await store.tariffs.listRates(own.id)).toHaveLength(1200);
    expect((await store.tariffs.findRateByLongestPrefix(own.id, '+1119912345'))?.ratePerMinute).toBe(1199);
  });

  it('finds tariffs by name and refuses a duplicate name', async () => {
    expect(await store.tariffs.findTariffByName(tariff.name)).toEqual(tariff);
    await expect(store.tariffs.createTariff({ name: tariff.name, currency: 'USD', kind: 'retail' })).rejects.toThrow(StoreConflict);
    expect(await store.tariffs.removeTariff(tariff.id)).toBe(true);
    expect(await store.tariffs.listRates(tariff.id)).toEqual([]);
  });
});
