import fs from 'node:fs';
import request from 'supertest';
import { MONEY_MAX_MINOR, minorUnits } from '../../lib/domain/money';
import { createStore, type Store } from '../../lib/store';
import { cli, cliJson, describeEachCliDatabase } from '../cli/support';
import { portalFixture, type PortalFixture } from '../portal/support/portal-fixture';
import { describeEachDatabase } from '../support/databases';

/*
 * Issue #15, item 2: every path that writes money is bounded by MONEY_MAX_MINOR (amounts and the
 * balances they produce), refuses beyond it with 400 / exit 2 and writes nothing; a refund may not
 * take an account below its credit limit unless asked; unknown currencies are refused; and a row
 * that already holds an out-of-range value does not make a listing fail.
 */

describeEachDatabase('money bounds through the API', (getDb) => {
  let fixture: PortalFixture;
  let operatorKey: string;

  beforeAll(async () => {
    fixture = await portalFixture(getDb());
    operatorKey = (await fixture.store.apiKeys.create({ accountId: null, label: 'operator' })).plainKey;
  });
  afterAll(() => fixture.close());

  const pay = (body: Record<string, unknown>) =>
    request(fixture.app()).post('/api/v1/payments').set('Authorization', `Bearer ${operatorKey}`).send(body);

  it('a payment beyond the money maximum, or one leaving the balance beyond it, is refused with 400 and moves nothing; the account stays readable', async () => {
    const { account } = await fixture.subscriber();
    for (const amountMinor of [Number.MAX_SAFE_INTEGER, MONEY_MAX_MINOR + 1, -Number.MAX_SAFE_INTEGER]) {
      const refused = await pay({ accountId: account.id, amountMinor, allowNegative: true });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'validation_failed', field: 'amountMinor' } });
      expect((refused.body as { error: { message: string } }).error.message).toContain(String(MONEY_MAX_MINOR));
    }
    // Within the bound itself, but the balance it leaves is not (the account holds 1000 already).
    const beyond = await pay({ accountId: account.id, amountMinor: MONEY_MAX_MINOR });
    expect(beyond.status).toBe(400);
    expect((beyond.body as { error: { message: string } }).error.message).toMatch(/beyond the maximum/);
    // Only the fixture's own opening payment.
    expect(await fixture.store.payments.listForAccount(account.id)).toHaveLength(1);

    const upToTheBound = await pay({ accountId: account.id, amountMinor: MONEY_MAX_MINOR - 1000 });
    expect(upToTheBound.status).toBe(201);
    const balance = await request(fixture.app()).get(`/api/v1/balance?accountId=${account.id}`).set('Authorization', `Bearer ${operatorKey}`);
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({ balanceMinor: MONEY_MAX_MINOR, availableMinor: MONEY_MAX_MINOR });
  });

  it('an account whose stored balance is already beyond exact integers is answered with the stored value and what to do, not a bare internal error', async () => {
    const { account } = await fixture.subscriber();
    await getDb()('accounts').where({ id: account.id }).update({ balance_minor: getDb().raw('9007199254740991 + 1000') });
    const read = await request(fixture.app()).get(`/api/v1/balance?accountId=${account.id}`).set('Authorization', `Bearer ${operatorKey}`);
    expect(read.status).toBe(500);
    expect((read.body as { error: { message: string } }).error.message).toMatch(/unexpected stored integer: "?90071992547\d+"?; the operator must correct the stored row/);
    await getDb()('accounts').where({ id: account.id }).update({ balance_minor: 0 });
  });

  it('a refund below the credit limit is refused unless allowNegative says so', async () => {
    const { account } = await fixture.subscriber();
    await fixture.store.accounts.update(account.id, { creditLimitMinor: minorUnits(200) });
    // 1000 balance + 200 credit: a refund of 1200 reaches the limit exactly, 1201 goes past it.
    const past = await pay({ accountId: account.id, amountMinor: -1201 });
    expect(past.status).toBe(400);
    expect((past.body as { error: { message: string } }).error.message).toMatch(/1 minor units below its credit limit/);
    expect((await fixture.store.accounts.findById(account.id))?.balanceMinor).toBe(1000);

    expect((await pay({ accountId: account.id, amountMinor: -1200 })).status).toBe(201);
    const allowed = await pay({ accountId: account.id, amountMinor: -500, allowNegative: true });
    expect(allowed.status).toBe(201);
    expect((await fixture.store.accounts.findById(account.id))?.balanceMinor).toBe(-700);
  });
});

describeEachDatabase('money bounds in the store', (getDb) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  it('credit limits, card values, connection fees and rates beyond the maximum are refused, writing nothing', async () => {
    await expect(store.accounts.create({ name: 'too much credit', currency: 'USD', creditLimitMinor: minorUnits(MONEY_MAX_MINOR + 1) })).rejects.toThrow(
      /1000000000000[\s\S]*creditLimitMinor/,
    );
    expect(await store.accounts.findByName('too much credit')).toBeNull();
    await expect(store.cards.create({ number: '99990001', currency: 'USD', balanceMinor: minorUnits(MONEY_MAX_MINOR + 1) })).rejects.toThrow(/balanceMinor/);
    expect(await store.cards.findByNumber('99990001')).toBeNull();

    const card = await store.cards.create({ number: '99990002', currency: 'USD', balanceMinor: minorUnits(MONEY_MAX_MINOR - 5) });
    expect(await store.cards.adjustBalance(card.id, minorUnits(6))).toBe(false);
    expect((await store.cards.findById(card.id))?.balanceMinor).toBe(MONEY_MAX_MINOR - 5);

    const tariff = await store.tariffs.createTariff({ name: 'bounded', currency: 'USD', kind: 'retail' });
    await expect(store.tariffs.importRates(tariff.id, [{ prefix: '49', connectionFeeMinor: minorUnits(MONEY_MAX_MINOR + 1), ratePerMinute: 1 }])).rejects.toThrow(/connectionFeeMinor/);
    await expect(store.tariffs.importRates(tariff.id, [{ prefix: '49', ratePerMinute: MONEY_MAX_MINOR + 1 }])).rejects.toThrow(/ratePerMinute/);
    expect(await store.tariffs.listRates(tariff.id)).toEqual([]);
  });

  it('an unknown currency (XYZ) is refused for accounts, cards and tariffs', async () => {
    await expect(store.accounts.create({ name: 'xyz', currency: 'XYZ' })).rejects.toThrow(/ISO 4217/);
    await expect(store.cards.create({ number: '99990003', currency: 'XYZ' })).rejects.toThrow(/ISO 4217/);
    await expect(store.tariffs.createTariff({ name: 'xyz', currency: 'XYZ', kind: 'retail' })).rejects.toThrow(/ISO 4217/);
    expect((await store.accounts.create({ name: 'chf', currency: 'CHF' })).currency).toBe('CHF');
  });
});

describeEachCliDatabase('money bounds through the CLI', (target) => {
  it('payments add beyond the maximum, or leaving the balance beyond it, exits 2 and moves nothing', async () => {
    await cliJson(target(), ['accounts', 'create', '--name', 'Bounded', '--currency', 'USD', '--credit-limit', '1.00']);
    const huge = await cli(target(), ['payments', 'add', 'Bounded', '90071992547409.91']);
    expect(huge.code).toBe(2);
    expect(huge.stderr).toContain('at most 10000000000.00 either way');
    expect((await cli(target(), ['payments', 'add', 'Bounded', '10000000000.00'])).code).toBe(0);
    const past = await cli(target(), ['payments', 'add', 'Bounded', '0.01']);
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/beyond the maximum/);
    expect(await cliJson<unknown[]>(target(), ['payments', 'list', 'Bounded'])).toHaveLength(1);
  });

  it('a refund below the credit limit exits 2 unless --allow-negative', async () => {
    await cliJson(target(), ['accounts', 'create', '--name', 'Refunded', '--currency', 'USD', '--credit-limit', '1.00']);
    expect((await cli(target(), ['payments', 'add', 'Refunded', '5.00'])).code).toBe(0);
    const refused = await cli(target(), ['payments', 'add', 'Refunded', '-6.01']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/below its credit limit/);
    expect((await cli(target(), ['payments', 'add', 'Refunded', '-6.01', '--allow-negative'])).code).toBe(0);
    expect(await cliJson(target(), ['accounts', 'show', 'Refunded'])).toMatchObject({ balanceMinor: -101 });
  });

  it('cards and rates beyond the maximum exit 2; the rate CSV names the line', async () => {
    const card = await cli(target(), ['cards', 'generate', '--count', '1', '--currency', 'USD', '--balance', '10000000000.01']);
    expect(card.code).toBe(2);
    const currency = await cli(target(), ['cards', 'generate', '--count', '1', '--currency', 'XYZ']);
    expect(currency.code).toBe(2);
    expect(currency.stderr).toMatch(/ISO 4217/);
    expect((await cli(target(), ['tariffs', 'create', '--name', 'Big', '--currency', 'USD'])).code).toBe(0);
    const file = `${target().dir}/big.csv`;
    fs.writeFileSync(file, 'prefix,description,rate_per_minute,connection_fee,increment_first,increment_next,minimum\n49,Germany,0.0125,0.00,60,60,0\n1,US,1000000.000001,0.00,60,60,0\n');
    const imported = await cli(target(), ['rates', 'import', 'Big', file]);
    expect(imported.code).toBe(2);
    expect(imported.stderr).toMatch(/line 3, rate_per_minute: expected an amount from 0 to 1000000\.000000/);
  });

  it('discrepancies lists what settlements did not charge beyond a hold, per account', async () => {
    const payer = await cliJson<{ id: number }>(target(), ['accounts', 'create', '--name', 'Held', '--currency', 'USD']);
    const legUuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    await createStore(target().db).billingDiscrepancies.record({
      legUuid,
      payer: { accountId: payer.id },
      kind: 'over_hold',
      source: 'json_cdr',
      billsec: 999_999,
      holdMinor: minorUnits(300),
      ratedCostMinor: minorUnits(1_666_665),
      chargedMinor: minorUnits(300),
      excessMinor: minorUnits(1_666_365),
    });
    expect(await cliJson(target(), ['discrepancies', '--account', 'Held'])).toEqual([expect.objectContaining({ legUuid, kind: 'over_hold', chargedMinor: 300, excessMinor: 1_666_365 })]);
    const table = await cli(target(), ['discrepancies']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/json_cdr +999999 +3\.00 +16666\.65 +3\.00 +16663\.65/);
  });

  it('an account row already holding an out-of-range balance is reported by accounts list, which still lists the others', async () => {
    const good = await cliJson<{ id: number }>(target(), ['accounts', 'create', '--name', 'Good', '--currency', 'USD']);
    const bad = await cliJson<{ id: number }>(target(), ['accounts', 'create', '--name', 'Broken', '--currency', 'USD']);
    // What the old code let a payment of 9007199254740991 write.
    await target().db('accounts').where({ id: bad.id }).update({ balance_minor: target().db.raw('9007199254740991 + 1000') });
    const list = await cli(target(), ['accounts', 'list']);
    expect(list.code).toBe(1);
    expect(list.stdout).toMatch(new RegExp(`^ *${good.id} +Good `, 'm'));
    expect(list.stdout).not.toContain('Broken');
    expect(list.stderr).toMatch(new RegExp(`account ${bad.id} \\(Broken\\) holds money beyond .*: balance_minor = 90071992547`));
  });
});
