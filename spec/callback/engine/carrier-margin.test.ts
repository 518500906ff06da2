import { randomUUID } from 'node:crypto';
import { routingSchema } from '../../../lib/config/routing-schema';
import { minorUnits } from '../../../lib/domain/money';
import { EVERY_NODE, type Carrier } from '../../../lib/store';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

const HOUR = 3_600_000;

/** Only `carriers` route (the demo carrier and earlier tests' are disabled); loss calls allowed, since the test rates are above the demo tariffs. */
async function onlyThrough(r: EngineRig, ...carriers: readonly Carrier[]): Promise<void> {
  for (const other of await r.store.carriers.list()) if (!carriers.some((c) => c.id === other.id)) await r.store.carriers.disable(other.id);
  for (const carrier of carriers) await r.store.carriers.setGateway(carrier.id, { node: EVERY_NODE, gateway: 'carrier' });
}

const lossAllowed = { engine: { routing: { settings: { ...routingSchema.parse({}), allowLossCalls: true } } } };

describeEachDatabase('callback engine, carrier cost and margin (issue #17)', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it("rates each leg with its carrier's buy rate in force at the leg's start, beside the price, in exact integers", async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine, lossAllowed));
    const acme = await r.store.carriers.create({ name: `acme-${randomUUID().slice(0, 8)}` });
    // 0.012345 per minute, 2 cents to connect, 30/6: 120 s cost 2 + ⌈120 × 12345 / 600000⌉ = 2 + 3 = 5.
    await r.store.buyRates.importRates(acme.id, [{ prefix: '1', ratePerMinute: 12_345, connectionFeeMinor: minorUnits(2), incrementFirstSeconds: 30, incrementNextSeconds: 6 }], {
      effectiveFrom: 0,
    });
    // A sheet loaded ahead of time: not yet in force when the legs start.
    await r.store.buyRates.importRates(acme.id, [{ prefix: '1', ratePerMinute: 1 }], { effectiveFrom: r.clock.now() + HOUR });
    await onlyThrough(r, acme);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer' });
    // 5 cents: B is cut at exactly 120 s (see billing.test.ts), a known billsec to rate.
    const account = await r.account(5);

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.finish(request.id);

    const [a, b] = await r.store.legs.listForRequest(request.id);
    expect(b).toMatchObject({ billsec: 120, carrierId: acme.id, carrierCostMinor: 5, costMinor: 2 });
    const cdrB = await r.store.cdrs.findByLegUuid(b!.uuid);
    expect(cdrB).toMatchObject({ carrier: acme.name, carrierCurrency: 'USD', carrierCostMinor: 5, costMinor: 2 });
    expect(cdrB!.costMinor - cdrB!.carrierCostMinor!).toBe(-3);
    // Leg A: the same rate on its own billsec.
    const billsecA = a!.billsec!;
    const blocks = billsecA <= 30 ? 30 : 30 + Math.ceil((billsecA - 30) / 6) * 6;
    const expectedA = billsecA === 0 ? 0 : 2 + Math.ceil((blocks * 12_345) / 600_000);
    expect(await r.store.cdrs.findByLegUuid(a!.uuid)).toMatchObject({ carrier: acme.name, carrierCostMinor: expectedA });
    expect(a!.carrierCostMinor).toBe(expectedA);
  });

  it('leaves the cost unknown for a carrier without a rate for the number', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine, lossAllowed));
    const unrated = await r.store.carriers.create({ name: `norate-${randomUUID().slice(0, 8)}` });
    const rated = await r.store.carriers.create({ name: `rated-${randomUUID().slice(0, 8)}` });
    await r.store.buyRates.importRates(rated.id, [{ prefix: '1', ratePerMinute: 6_000 }], { effectiveFrom: 0 });
    await onlyThrough(r, unrated, rated);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 10_000 });
    const account = await r.account(500);

    // Leg A pinned to the carrier without rates (an access number's trunk); B through the rated one.
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, trunk: unrated.name });
    await r.finish(request.id);

    const [a, b] = await r.store.legs.listForRequest(request.id);
    expect(a).toMatchObject({ carrierId: unrated.id, carrierCostMinor: null });
    expect(await r.store.cdrs.findByLegUuid(a!.uuid)).toMatchObject({ carrier: unrated.name, carrierCurrency: 'USD', carrierCostMinor: null });
    expect(b).toMatchObject({ carrierId: rated.id, billsec: 10, carrierCostMinor: 1 });
  });
});
