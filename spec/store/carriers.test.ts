import { randomUUID } from 'node:crypto';
import { minorUnits } from '../../lib/domain/money';
import { createStore, gatewayOn, InvalidStoreInput, StoreConflict, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance, unique, uniqueNumber } from './fixtures';

const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

describeEachDatabase('carriers and buy rates', (getDb) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb(), () => T0);
  });

  describe('carriers', () => {
    it('creates a carrier with its defaults and finds it by id and name', async () => {
      const name = unique('c');
      const carrier = await store.carriers.create({ name });
      expect(carrier).toEqual({
        id: expect.any(Number),
        name,
        currency: 'USD',
        dialPrefix: '',
        stripDigits: 0,
        callerIdMode: 'pass',
        callerIdNumber: null,
        maxChannels: null,
        maxCps: null,
        priority: 100,
        weight: 1,
        enabled: true,
        gateways: [],
      });
      expect(await store.carriers.get(carrier.id)).toEqual(carrier);
      expect(await store.carriers.getByName(name)).toEqual(carrier);
      expect(await store.carriers.get(999_999)).toBeNull();
      expect(await store.carriers.getByName('nobody')).toBeNull();
    });

    it('refuses a duplicate name, a bad name and a fixed caller ID without a number', async () => {
      const name = unique('dup');
      await store.carriers.create({ name });
      await expect(store.carriers.create({ name })).rejects.toThrow(StoreConflict);
      await expect(store.carriers.create({ name: 'a b' })).rejects.toThrow(/must be 1-64 letters[^]*at name/);
      await expect(store.carriers.create({ name: unique('f'), callerIdMode: 'fixed' })).rejects.toThrow(/required when callerIdMode is fixed/);
      await expect(store.carriers.create({ name: unique('p'), callerIdNumber: '+12025550100' as never })).rejects.toThrow(/only used when callerIdMode is fixed/);
      await expect(store.carriers.create({ name: unique('w'), weight: 0 })).rejects.toThrow(InvalidStoreInput);
      await expect(store.carriers.create({ name: unique('d'), dialPrefix: '9#' })).rejects.toThrow(/dialPrefix/);
    });

    it('updates, checking the caller-ID rule against the carrier as it would become', async () => {
      const carrier = await store.carriers.create({ name: unique('u'), maxChannels: 30 });
      await expect(store.carriers.update(carrier.id, { callerIdMode: 'fixed' })).rejects.toThrow(/required when callerIdMode is fixed/);
      const fixed = await store.carriers.update(carrier.id, { callerIdMode: 'fixed', callerIdNumber: '+12025550100' as never, maxChannels: null, priority: 5 });
      expect(fixed).toMatchObject({ callerIdMode: 'fixed', callerIdNumber: '+12025550100', maxChannels: null, priority: 5 });
      await expect(store.carriers.update(carrier.id, { callerIdMode: 'anonymous' })).rejects.toThrow(/only used when/);
      expect(await store.carriers.update(carrier.id, { callerIdMode: 'anonymous', callerIdNumber: null })).toMatchObject({ callerIdMode: 'anonymous' });
      expect(await store.carriers.update(999_999, { priority: 1 })).toBeNull();
      const other = await store.carriers.create({ name: unique('taken') });
      await expect(store.carriers.update(carrier.id, { name: other.name })).rejects.toThrow(StoreConflict);
    });

    it('sets and removes gateways per node, `*` standing for every other node', async () => {
      const carrier = await store.carriers.create({ name: unique('g') });
      await store.carriers.setGateway(carrier.id, { node: '*', gateway: 'gw_all' });
      await store.carriers.setGateway(carrier.id, { node: 'fs1', gateway: 'gw.one' });
      const updated = await store.carriers.setGateway(carrier.id, { node: 'fs1', gateway: 'gw-one' });
      expect(updated?.gateways).toEqual([
        { node: '*', gateway: 'gw_all' },
        { node: 'fs1', gateway: 'gw-one' },
      ]);
      expect(gatewayOn(updated!, 'fs1')).toBe('gw-one');
      expect(gatewayOn(updated!, 'fs2')).toBe('gw_all');
      await expect(store.carriers.setGateway(carrier.id, { node: 'fs1', gateway: 'a,b' })).rejects.toThrow(/gateway name/);
      await expect(store.carriers.setGateway(carrier.id, { node: 'fs 1', gateway: 'ok' })).rejects.toThrow(/node name/);
      expect(await store.carriers.setGateway(999_999, { node: 'fs1', gateway: 'ok' })).toBeNull();
      expect(await store.carriers.removeGateway(carrier.id, '*')).toBe(true);
      expect(await store.carriers.removeGateway(carrier.id, '*')).toBe(false);
      expect(gatewayOn((await store.carriers.get(carrier.id))!, 'fs2')).toBeNull();
    });

    it('lists enabled carriers that have a gateway, by priority', async () => {
      const late = await store.carriers.create({ name: unique('late'), priority: 20_000 });
      const early = await store.carriers.create({ name: unique('early'), priority: 10_000 });
      const bare = await store.carriers.create({ name: unique('bare'), priority: 10_000 });
      const off = await store.carriers.create({ name: unique('off'), priority: 10_000 });
      for (const carrier of [late, early, off]) await store.carriers.setGateway(carrier.id, { node: '*', gateway: 'gw' });
      expect((await store.carriers.disable(off.id))?.enabled).toBe(false);
      const ids = (await store.carriers.listEnabledWithGateways()).map((carrier) => carrier.id);
      expect(ids.filter((id) => [late.id, early.id, bare.id, off.id].includes(id))).toEqual([early.id, late.id]);
      expect((await store.carriers.enable(off.id))?.enabled).toBe(true);
      expect((await store.carriers.list()).map((carrier) => carrier.name)).toEqual(expect.arrayContaining([late.name, bare.name]));
    });
  });

  describe('buy rates', () => {
    it('keeps sheets side by side and answers the rate in force at an instant', async () => {
      const carrier = await store.carriers.create({ name: unique('r') });
      await store.buyRates.importRates(
        carrier.id,
        [
          { prefix: '49', ratePerMinute: 10_000 },
          { prefix: '4915', ratePerMinute: 90_000, connectionFeeMinor: minorUnits(3), incrementFirstSeconds: 30, incrementNextSeconds: 6 },
        ],
        { effectiveFrom: T0 },
      );
      await store.buyRates.importRates(carrier.id, [{ prefix: '49', ratePerMinute: 8_000, description: 'Germany' }], { effectiveFrom: T0 + DAY });

      const before = await store.buyRates.list(carrier.id, { at: T0 - 1 });
      expect(before).toEqual([]);
      const first = await store.buyRates.list(carrier.id, { at: T0 + DAY - 1 });
      expect(first.map((rate) => [rate.prefix, rate.ratePerMinute])).toEqual([
        ['49', 10_000],
        ['4915', 90_000],
      ]);
      const second = await store.buyRates.list(carrier.id, { at: T0 + DAY });
      expect(second.map((rate) => [rate.prefix, rate.ratePerMinute, rate.effectiveFrom])).toEqual([
        ['49', 8_000, T0 + DAY],
        ['4915', 90_000, T0],
      ]);
      expect((await store.buyRates.list(carrier.id)).map((rate) => [rate.prefix, rate.effectiveFrom])).toEqual([
        ['49', T0],
        ['49', T0 + DAY],
        ['4915', T0],
      ]);
      expect(await store.buyRates.findInForce(carrier.id, '+4915123456789', T0 + DAY)).toMatchObject({
        prefix: '4915',
        ratePerMinute: 90_000,
        connectionFeeMinor: 3,
        incrementFirstSeconds: 30,
        incrementNextSeconds: 6,
        minimumSeconds: 0,
        carrierId: carrier.id,
      });
      expect((await store.buyRates.findInForce(carrier.id, '+4930123456', T0 + DAY))?.ratePerMinute).toBe(8_000);
      expect(await store.buyRates.findInForce(carrier.id, '+4930123456', T0 - 1)).toBeNull();
      expect(await store.buyRates.findInForce(carrier.id, '+33123456', T0 + DAY)).toBeNull();
    });

    it('gives every carrier’s rates in force for the router', async () => {
      const one = await store.carriers.create({ name: unique('one') });
      const two = await store.carriers.create({ name: unique('two') });
      await store.buyRates.importRates(one.id, [{ prefix: '1', ratePerMinute: 5_000 }], { effectiveFrom: T0 });
      await store.buyRates.importRates(one.id, [{ prefix: '1', ratePerMinute: 4_000 }], { effectiveFrom: T0 + 10 * DAY });
      await store.buyRates.importRates(two.id, [{ prefix: '1', ratePerMinute: 6_000 }], { effectiveFrom: T0 });
      const mine = (await store.buyRates.buyRatesInForce(T0 + 1)).filter((rate) => [one.id, two.id].includes(rate.carrierId));
      expect(mine.map((rate) => [rate.carrierId, rate.ratePerMinute])).toEqual([
        [one.id, 5_000],
        [two.id, 6_000],
      ]);
    });

    it('replaces a sheet whole on request, and imports all or nothing', async () => {
      const carrier = await store.carriers.create({ name: unique('x') });
      await store.buyRates.importRates(carrier.id, [{ prefix: '44', ratePerMinute: 1 }, { prefix: '33', ratePerMinute: 2 }], { effectiveFrom: T0 });
      await store.buyRates.importRates(carrier.id, [{ prefix: '44', ratePerMinute: 3 }], { effectiveFrom: T0 });
      expect((await store.buyRates.list(carrier.id)).map((rate) => [rate.prefix, rate.ratePerMinute])).toEqual([
        ['33', 2],
        ['44', 3],
      ]);
      await store.buyRates.importRates(carrier.id, [{ prefix: '7', ratePerMinute: 1 }], { effectiveFrom: T0, replace: true });
      expect((await store.buyRates.list(carrier.id)).map((rate) => rate.prefix)).toEqual(['7']);
      await expect(
        store.buyRates.importRates(carrier.id, [{ prefix: '8', ratePerMinute: 1 }, { prefix: '8x', ratePerMinute: 1 }], { effectiveFrom: T0 }),
      ).rejects.toThrow(/rate #2/);
      await expect(store.buyRates.importRates(carrier.id, [{ prefix: '9', ratePerMinute: 1 }, { prefix: '9', ratePerMinute: 1 }], { effectiveFrom: T0 })).rejects.toThrow(
        StoreConflict,
      );
      await expect(store.buyRates.importRates(999_999, [{ prefix: '9', ratePerMinute: 1 }], { effectiveFrom: T0 })).rejects.toThrow(/refers to a row that does not exist/);
      expect((await store.buyRates.list(carrier.id)).map((rate) => rate.prefix)).toEqual(['7']);
      expect(await store.buyRates.removeSheet(carrier.id, T0)).toBe(1);
    });
  });

  describe('legs and CDRs', () => {
    it('keeps the carrier and its cost beside the price', async () => {
      const carrier = await store.carriers.create({ name: unique('leg') });
      const account = await accountWithBalance(store, 0);
      const { request } = await store.callbackRequests.create({ accountId: account.id, trigger: 'web', source: uniqueNumber(), destination: uniqueNumber() });
      const leg = await store.legs.create({ uuid: randomUUID(), requestId: request.id, role: 'A', number: request.source, carrierId: carrier.id });
      expect(leg).toMatchObject({ carrierId: carrier.id, carrierCostMinor: null });
      await store.legs.update(leg.uuid, { carrierCostMinor: minorUnits(42), costMinor: minorUnits(50) });
      expect(await store.legs.findByUuid(leg.uuid)).toMatchObject({ carrierCostMinor: 42, costMinor: 50 });
      await expect(store.legs.update(leg.uuid, { carrierId: 999_999 })).rejects.toThrow(InvalidStoreInput);

      await store.cdrs.insert({ legUuid: leg.uuid, direction: 'outbound', number: request.source, startedAt: T0, source: 'socket', carrier: carrier.name, carrierCostMinor: minorUnits(42), carrierCurrency: 'USD' });
      expect(await store.cdrs.findByLegUuid(leg.uuid)).toMatchObject({ carrier: carrier.name, carrierCostMinor: 42, carrierCurrency: 'USD' });
      const plain = randomUUID();
      await store.cdrs.insert({ legUuid: plain, direction: 'outbound', number: '+12025550100', startedAt: T0, source: 'socket' });
      expect(await store.cdrs.findByLegUuid(plain)).toMatchObject({ carrier: null, carrierCostMinor: null, carrierCurrency: null });
    });
  });
});
