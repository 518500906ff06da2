import { rateLeg } from '../../lib/billing';
import type { CallbackSettings } from '../../lib/config';
import { minorUnits } from '../../lib/domain/money';
import type { E164 } from '../../lib/domain/phone-number';
import { LegAIvr, PromptCatalogue } from '../../lib/ivr';
import { scriptDigits } from '../ivr/support';
import { describeEachDatabase } from '../support/databases';
import { shippedPromptFiles } from '../support/prompt-files';
import { startAccessRig, type AccessRig } from './access-rig';
import { accessCall, accessRequests, freshDid, refusalsFor, useAccessHandler } from './support';

const CALLER = '+12025550171' as E164;
const DESTINATION = '+12025550172' as E164;
const EXTENSION = '1001';

/** #17 item 5: an access number whose callback rings a user registered on the node. */
describeEachDatabase('access numbers calling an extension back (call_extension)', (getDb, dbEngine) => {
  let rig: AccessRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function start(callback: Partial<CallbackSettings> = {}): Promise<{ r: AccessRig; counter: { handled: () => number } }> {
    const holder: { ivr?: LegAIvr } = {};
    const r = (rig = await startAccessRig(getDb(), dbEngine, { callback, askDestination: { ask: (input) => (holder.ivr as LegAIvr).ask(input) } }));
    holder.ivr = new LegAIvr({ store: r.store, prompts: new PromptCatalogue(shippedPromptFiles()), logger: r.logger, now: () => r.clock.now() });
    return { r, counter: useAccessHandler(r) };
  }

  async function finalState(r: AccessRig, requestId: string): Promise<string> {
    await r.runUntil(async () => ['completed', 'failed', 'cancelled'].includes((await r.store.callbackRequests.findById(requestId))?.state ?? ''), 'request final', 600_000);
    return (await r.store.callbackRequests.findById(requestId))!.state;
  }

  it('refuses the access call unanswered, rings the extension back without a carrier, asks it for the destination, routes B through a carrier and bills A at 0', async () => {
    const { r, counter } = await start();
    const owner = await r.account(1_000);
    const did = freshDid();
    await r.store.accessNumbers.create({ did, accountId: owner.id, method: 'call_extension', targetNumber: EXTENSION, authMode: 'none' });
    const { pressed } = scriptDigits(r.sim, [`${DESTINATION.slice(1)}#`]);
    r.sim.registerUser(EXTENSION);
    r.sim.setPhone(EXTENSION, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 30_000 });

    const uuid = await accessCall(r, counter, did, CALLER);

    expect(r.sim.channel(uuid)).toMatchObject({ hangupCause: 'USER_BUSY', answeredAt: undefined });
    const [request] = await accessRequests(r, owner.id);
    expect(request).toMatchObject({ source: did, destination: null });
    expect(request?.data).toMatchObject({ accessNumber: did, extension: { kind: 'extension', extension: EXTENSION, domain: null } });
    expect(await finalState(r, request!.id)).toBe('completed');
    expect(pressed).toHaveLength(1);
    const legs = await r.store.legs.listForRequest(request!.id);
    const a = legs.find((leg) => leg.role === 'A');
    const b = legs.find((leg) => leg.role === 'B');
    expect(a).toMatchObject({ number: EXTENSION, carrierId: null, costMinor: 0 });
    expect(a?.answeredAt).not.toBeNull();
    expect(b).toMatchObject({ number: DESTINATION });
    expect(b?.carrierId).not.toBeNull();
    expect(b?.billsec).toBeGreaterThan(0);
    expect(b?.costMinor).toBeGreaterThan(0);
    expect(await refusalsFor(r, did)).toEqual([]);
    await r.runUntil(async () => (await r.store.cdrs.listForRequest(request!.id)).length === 2, 'both legs settled');
    expect(await r.store.cdrs.findByLegUuid(a!.uuid)).toMatchObject({ costMinor: 0, ratePrefix: null, carrier: null });
  });

  it("prices leg A by the callback tariff's ext: rate for the extension: held, settled, its CDR naming the prefix (a rate says so)", async () => {
    const { r, counter } = await start();
    const tariff = await r.store.tariffs.createTariff({ name: `Extensions ${freshDid()}`, currency: 'USD', kind: 'callback' });
    // ext:10 is the longest match for 1001; `1` (the NANP) and ext: alone must not be chosen.
    await r.store.tariffs.importRates(tariff.id, [
      { prefix: '1', ratePerMinute: 900_000 },
      { prefix: 'ext:', ratePerMinute: 800_000 },
      { prefix: 'ext:10', ratePerMinute: 60_000, connectionFeeMinor: minorUnits(5), incrementFirstSeconds: 1, incrementNextSeconds: 1 },
    ]);
    const owner = await r.account(1_000, { callbackTariffId: tariff.id });
    const did = freshDid();
    await r.store.accessNumbers.create({ did, accountId: owner.id, method: 'call_extension', targetNumber: EXTENSION, authMode: 'none', settings: { destination: DESTINATION } });
    r.sim.registerUser(EXTENSION);
    r.sim.setPhone(EXTENSION, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 30_000 });

    await accessCall(r, counter, did, CALLER);
    const [request] = await accessRequests(r, owner.id);
    expect(await finalState(r, request!.id)).toBe('completed');
    await r.runUntil(async () => (await r.store.cdrs.listForRequest(request!.id)).length === 2, 'both legs settled');
    const legs = await r.store.legs.listForRequest(request!.id);
    const a = legs.find((leg) => leg.role === 'A')!;
    const b = legs.find((leg) => leg.role === 'B')!;
    expect(a).toMatchObject({ number: EXTENSION, carrierId: null });
    const billsec = a.billsec ?? 0;
    expect(billsec).toBeGreaterThanOrEqual(30);
    const terms = { ratePerMinute: 60_000, connectionFeeMinor: minorUnits(5), incrementFirstSeconds: 1, incrementNextSeconds: 1, minimumSeconds: 0 };
    const cost = rateLeg(terms, billsec).costMinor;
    expect(cost).toBeGreaterThan(5);
    expect(a.costMinor).toBe(cost);
    expect(await r.store.cdrs.findByLegUuid(a.uuid)).toMatchObject({ ratePrefix: 'ext:10', costMinor: cost, carrier: null, carrierCostMinor: null });
    expect(await r.store.reservations.findSettledForLeg(a.uuid)).toMatchObject({ accountId: owner.id });
    expect((await r.store.accounts.findById(owner.id))?.balanceMinor).toBe(1_000 - cost - (b.costMinor ?? 0));
  });

  it('retries an unregistered extension per the policy (USER_NOT_REGISTERED), and reaches it once it registers', async () => {
    const { r, counter } = await start({ maxRetries: 1, retryIntervalSeconds: 30 });
    const owner = await r.account(1_000);
    const did = freshDid();
    await r.store.accessNumbers.create({ did, accountId: owner.id, method: 'call_extension', targetNumber: `${EXTENSION}@pbx.example.com`, authMode: 'none', settings: { destination: DESTINATION } });
    r.sim.registerUser(EXTENSION, 'pbx.example.com', false);
    r.sim.setPhone(EXTENSION, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    await accessCall(r, counter, did, CALLER);
    const [request] = await accessRequests(r, owner.id);
    await r.runUntil(async () => (await r.store.callbackRequests.findById(request!.id))?.state === 'retry_scheduled', 'first attempt failed');
    await r.runUntil(async () => (await r.store.legs.listForRequest(request!.id))[0]?.state === 'failed', 'first leg A settled');
    const [first] = await r.store.legs.listForRequest(request!.id);
    expect(first).toMatchObject({ role: 'A', number: `${EXTENSION}@pbx.example.com`, hangupCause: 'USER_NOT_REGISTERED', carrierId: null });

    r.sim.registerUser(EXTENSION, 'pbx.example.com');
    expect(await finalState(r, request!.id)).toBe('completed');
    const legs = await r.store.legs.listForRequest(request!.id);
    expect(legs.filter((leg) => leg.role === 'A').map((leg) => [leg.attempt, leg.hangupCause === 'USER_NOT_REGISTERED'])).toEqual([
      [1, true],
      [2, false],
    ]);
    await r.runUntil(async () => (await r.store.cdrs.listForRequest(request!.id)).length === 3, 'every leg settled');
  });

  it('fails at once, without a retry, for an extension the directory does not have (SUBSCRIBER_ABSENT, as FreeSWITCH 1.10.12 says)', async () => {
    const { r, counter } = await start({ maxRetries: 3, retryIntervalSeconds: 30 });
    const owner = await r.account(1_000);
    const did = freshDid();
    await r.store.accessNumbers.create({ did, accountId: owner.id, method: 'call_extension', targetNumber: '1099', authMode: 'none', settings: { destination: DESTINATION } });

    await accessCall(r, counter, did, CALLER);
    const [request] = await accessRequests(r, owner.id);
    expect(await finalState(r, request!.id)).toBe('failed');
    const legs = await r.store.legs.listForRequest(request!.id);
    expect(legs).toHaveLength(1);
    expect(legs[0]).toMatchObject({ role: 'A', attempt: 1, number: '1099', hangupCause: 'SUBSCRIBER_ABSENT', carrierId: null });
  });

  it('refuses to save a bad extension on an access number', async () => {
    const { r } = await start();
    for (const target of ['10 01', '1001@', '1001@bad domain', '${x}', '1001@a@b', `1001@${'a'.repeat(40)}`]) {
      await expect(r.store.accessNumbers.create({ did: freshDid(), method: 'call_extension', targetNumber: target })).rejects.toThrow(/call_extension needs an extension/);
    }
  });
});
