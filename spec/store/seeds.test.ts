import { DEMO, seedDemo } from '../../db/seeds/demo';
import { createStore } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';

async function rowCounts(db: import('knex').Knex): Promise<Record<string, number>> {
  const tables = ['accounts', 'tariffs', 'rates', 'caller_ids', 'pins', 'access_numbers', 'payments', 'carriers', 'carrier_gateways', 'carrier_rates'];
  const counts = await Promise.all(tables.map(async (table) => [table, Number((await db(table).count({ n: '*' }))[0]?.n)] as const));
  return Object.fromEntries(counts);
}

describeEachDatabase('demo seed', (getDb) => {
  it('creates the demo account, tariffs and access number', async () => {
    const db = getDb();
    const store = createStore(db);
    const result = await seedDemo(db);
    expect(result.created).toBe(true);

    const account = await store.accounts.findById(result.accountId);
    expect(account).toMatchObject({ name: 'Demo', currency: 'USD', balanceMinor: 1000, creditLimitMinor: 0, timeZone: 'America/New_York' });
    expect(await store.callerIds.findByNumber(DEMO.callerId)).toMatchObject({ accountId: result.accountId, allowAuthorization: true });
    expect(await store.pins.verify({ accountId: result.accountId }, '1234', { maxAttempts: 3, lockMs: 1000 })).toEqual({ ok: true });
    expect(await store.accessNumbers.findByDid(DEMO.accessNumber)).toMatchObject({ method: 'call_to_caller', authMode: 'ani', active: true });

    const retail = await store.tariffs.findTariffById(account?.tariffId ?? 0);
    expect(retail).toMatchObject({ kind: 'retail', currency: 'USD' });
    expect(await store.tariffs.findRateByLongestPrefix(retail?.id ?? 0, '+441234567890')).toMatchObject({
      ratePerMinute: 20_000,
      incrementFirstSeconds: 30,
      incrementNextSeconds: 6,
      connectionFeeMinor: 0,
    });
    expect((await store.tariffs.findTariffById(account?.callbackTariffId ?? 0))?.kind).toBe('callback');

    // A fresh clone calls out through the simulator's gateway on every node (issue #17).
    const carrier = await store.carriers.getByName(DEMO.carrier);
    expect(carrier).toMatchObject({ enabled: true, currency: 'USD', gateways: [{ node: '*', gateway: 'carrier' }] });
    expect(await store.buyRates.findInForce(carrier?.id ?? 0, '+12025550100', Date.now())).toMatchObject({ prefix: '1', ratePerMinute: 5_000 });
  });

  it('changes nothing when run again', async () => {
    const db = getDb();
    const before = await rowCounts(db);
    const again = await seedDemo(db);
    expect(again.created).toBe(false);
    expect(await rowCounts(db)).toEqual(before);
    expect((await createStore(db).accounts.findById(again.accountId))?.balanceMinor).toBe(1000);
  });

  it('rates every destination in the retail tariff: the countries at their own rates, the rest of the world at the fallback', async () => {
    const db = getDb();
    const store = createStore(db);
    const { accountId } = await seedDemo(db);
    const retailId = (await store.accounts.findById(accountId))?.tariffId ?? 0;
    const rateOf = async (number: string) => (await store.tariffs.findRateByLongestPrefix(retailId, number))?.description;
    expect(await rateOf('+12125550100')).toBe('USA and Canada');
    expect(await rateOf('+441234567890')).toBe('United Kingdom');
    expect(await rateOf('+493012345678')).toBe('Germany');
    for (const number of ['+33142685300', '+81312345678', '+61212345678', '+5511912345678', '+27211234567', '+919812345678', '+74951234567', '+862012345678']) {
      expect([number, await rateOf(number)]).toEqual([number, 'Rest of the world']);
    }
  });

  it('adds the demo rates an older demo tariff lacks, and keeps rates an operator changed', async () => {
    const db = getDb();
    const store = createStore(db);
    const retail = await store.tariffs.findTariffByName(DEMO.retailTariff);
    await store.tariffs.removeRate(retail?.id ?? 0, '3');
    await store.tariffs.importRates(retail?.id ?? 0, [{ prefix: '44', description: 'UK, operator price', ratePerMinute: 1 }]);
    await seedDemo(db);
    expect((await store.tariffs.findRateByLongestPrefix(retail?.id ?? 0, '+33142685300'))?.description).toBe('Rest of the world');
    expect(await store.tariffs.findRateByLongestPrefix(retail?.id ?? 0, '+441234567890')).toMatchObject({ description: 'UK, operator price', ratePerMinute: 1 });
  });
});
