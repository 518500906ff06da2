import { randomUUID } from 'node:crypto';
import { maxTalkSecondsForTwoLegs } from '../../../lib/billing';
import { Funds, isRefusal } from '../../../lib/callback/engine/funds';
import { minorUnits } from '../../../lib/domain/money';
import type { E164 } from '../../../lib/domain/phone-number';
import type { CallbackRequest, CallingCard, Cdr } from '../../../lib/store';
import { describeEachDatabase } from '../../support/databases';
import { offlineEngineContext } from '../../support/offline-engine-context';
import { cardWithBalance } from '../../store/fixtures';
import { DESTINATION, PROMPTS_DIR, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

const SOURCE_2 = '+12025550103' as E164;
const DESTINATION_2 = '+12025550204' as E164;

/**
 * A4 + B3: callbacks whose leg B a calling card pays (the card the leg-A IVR identified, here a
 * stub asker that names it) hold the card's money before B is dialed, as an account's would be.
 */
describeEachDatabase('callback engine, calling card holds', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  /** A rig whose leg A answers "call `destinations[source]`, the card pays" (A4), and a card with `balance` on no account. */
  async function cardRig(balance: number, destinations: ReadonlyMap<E164, E164>): Promise<{ r: EngineRig; card: CallingCard }> {
    const paying: { cardId?: number } = {};
    const r = (rig = await startEngineRig(getDb(), dbEngine, {
      askDestination: {
        ask: ({ request }) => Promise.resolve({ destination: destinations.get(request.source as E164)!, payer: { cardId: paying.cardId! } }),
      },
    }));
    const card = await cardWithBalance(r.store, balance);
    paying.cardId = card.id;
    return { r, card };
  }

  async function cdrsOf(r: EngineRig, requests: readonly CallbackRequest[]): Promise<Cdr[]> {
    return (await Promise.all(requests.map((request) => r.store.cdrs.listForRequest(request.id)))).flat();
  }

  async function expectNoHolds(r: EngineRig, card: CallingCard, requests: readonly CallbackRequest[]): Promise<void> {
    expect(await r.store.reservations.listHeld({ cardId: card.id })).toEqual([]);
    for (const request of requests) expect(await r.store.reservations.listHeld({ requestId: request.id })).toEqual([]);
  }

  it('two concurrent callbacks on a card that pays for one talk: one talks to the limit its hold pays for, the other is refused, the card never goes below zero and is charged exactly its CDRs', async () => {
    // 3 cents at 1 cent a minute (60/60): one talk of 3 minutes; nothing is left for a second.
    const { r, card } = await cardRig(3, new Map([[SOURCE, DESTINATION], [SOURCE_2, DESTINATION_2]]));
    for (const source of [SOURCE, SOURCE_2]) r.sim.setPhone(source, { kind: 'answer' });
    for (const destination of [DESTINATION, DESTINATION_2]) r.sim.setPhone(destination, { kind: 'answer', hangupAfterMs: 600_000 });
    const operatorBefore = (await r.store.accounts.balance(r.operatorAccountId))!.balanceMinor;

    const first = await r.engine.order({ source: SOURCE, destination: null });
    const second = await r.engine.order({ source: SOURCE_2, destination: null });
    const ends = [await r.finish(first.request.id), await r.finish(second.request.id)];

    expect(ends.map((request) => request.state).sort()).toEqual(['completed', 'failed']);
    const talked = ends.find((request) => request.state === 'completed')!;
    const refused = ends.find((request) => request.state === 'failed')!;
    expect(refused.lastCause).toBe('insufficient_funds');
    const refusedLegs = await r.store.legs.listForRequest(refused.id);
    // The refused caller was told why, and its B was never dialed.
    expect(refusedLegs.map((leg) => leg.role)).toEqual(['A']);
    expect(r.sim.channel(refusedLegs[0]!.uuid)?.playbacks.map((p) => p.file)).toContain(`${PROMPTS_DIR}/en/callback/insufficient_funds.wav`);

    const cdrs = await cdrsOf(r, ends);
    const cardCdrs = cdrs.filter((cdr) => cdr.raw?.payer === 'card');
    // #18 item 4: the card pays its own leg A too; the refused caller's leg A stays the operator's.
    expect(cardCdrs.map((cdr) => [cdr.requestId, cdr.raw?.role, cdr.raw?.cardId]).sort()).toEqual([
      [talked.id, 'A', card.id],
      [talked.id, 'B', card.id],
    ]);
    const operator = (await r.store.accounts.findById(r.operatorAccountId))!;
    const rateA = (await r.store.tariffs.findRateByLongestPrefix(operator.callbackTariffId!, SOURCE))!;
    const rateB = (await r.store.tariffs.findRateByLongestPrefix(operator.tariffId!, DESTINATION))!;
    const [cdrA, cdrB] = [cardCdrs.find((cdr) => cdr.raw?.role === 'A')!, cardCdrs.find((cdr) => cdr.raw?.role === 'B')!];
    // C6 from the holds: cut at exactly the talk the 3 cents pay for, both legs counted, though B would have talked on.
    expect(cdrB.billsec).toBe(maxTalkSecondsForTwoLegs({ rateA, rateB, aAlreadyAnsweredSeconds: cdrA.billsec - cdrB.billsec, availableMinor: 3 }));

    const after = (await r.store.cards.findById(card.id))!;
    const cardCharged = cardCdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    expect(after.balanceMinor).toBeGreaterThanOrEqual(0);
    expect(after).toMatchObject({ balanceMinor: 3 - cardCharged, reservedMinor: 0 });
    expect(cardCharged).toBeLessThanOrEqual(3);
    // Only the refused caller's leg A is the operator's (A6): everything else the CDRs cost, the card paid.
    const operatorCharged = operatorBefore - (await r.store.accounts.balance(r.operatorAccountId))!.balanceMinor;
    expect(operatorCharged + cardCharged).toBe(cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0));
    await expectNoHolds(r, card, ends);
  });

  it('a card hold is released, and the card charged only its own leg A, when B does not answer', async () => {
    const { r, card } = await cardRig(500, new Map([[SOURCE, DESTINATION]]));
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'no-answer' });

    const { request } = await r.engine.order({ source: SOURCE, destination: null });
    await r.runUntil(async () => (await r.store.legs.listForRequest(request.id)).some((leg) => leg.role === 'B'), 'leg B dialed');
    // B rings against a hold on the card.
    expect((await r.store.cards.findById(card.id))!.reservedMinor).toBeGreaterThan(0);
    const done = await r.finish(request.id);

    expect(done.state).not.toBe('completed');
    const legB = (await r.store.legs.listForRequest(request.id)).find((leg) => leg.role === 'B');
    expect(legB).toBeDefined();
    expect(await r.store.cdrs.findByLegUuid(legB!.uuid)).toMatchObject({ billsec: 0, costMinor: 0, raw: expect.objectContaining({ payer: 'card' }) });
    // It ended with nothing held and only leg A spent (#18 item 4: the card pays its own leg A).
    const legA = (await r.store.legs.listForRequest(request.id)).find((leg) => leg.role === 'A')!;
    const cdrA = (await r.store.cdrs.findByLegUuid(legA.uuid))!;
    expect(cdrA.raw).toMatchObject({ payer: 'card', cardId: card.id });
    expect(await r.store.cards.findById(card.id)).toMatchObject({ balanceMinor: 500 - cdrA.costMinor, reservedMinor: 0 });
    await expectNoHolds(r, card, [done]);
  });

  it('a request recovered after its controller died settles its card-paid leg against the card hold, once, and frees the rest', async () => {
    const { r, card } = await cardRig(100, new Map());
    const since = r.clock.now() - 120_000;
    const { request } = await r.store.callbackRequests.create({
      accountId: r.operatorAccountId,
      trigger: 'access',
      source: SOURCE,
      destination: DESTINATION,
      state: 'bridged',
      data: { talked: true, unidentified: true, chosenPayer: { cardId: card.id, since } },
    });
    const [a, b, neverDialed] = [randomUUID(), randomUUID(), randomUUID()];
    const answeredAt = r.clock.now() - 90_000;
    for (const [uuid, role, number] of [[a, 'A', SOURCE], [b, 'B', DESTINATION]] as const) {
      await r.store.legs.create({ uuid, requestId: request.id, role, number, state: 'bridged' });
      await r.store.legs.update(uuid, { answeredAt });
    }
    await r.store.reservations.reserveFor({ cardId: card.id }, minorUnits(10), { requestId: request.id, legUuid: b });
    await r.store.reservations.reserveFor({ cardId: card.id }, minorUnits(20), { requestId: request.id, legUuid: neverDialed });

    // A second instance that swept the same stale row finds nothing left to book.
    await r.engine.recover(request);
    await r.engine.recover(request);

    expect(await r.store.callbackRequests.findById(request.id)).toMatchObject({ state: 'completed', lastCause: 'CONTROLLER_LOST' });
    const cdrB = await r.store.cdrs.findByLegUuid(b);
    // 90 s at 1 cent a minute, 60/60: 2 cents, from the card's hold.
    expect(cdrB).toMatchObject({ billsec: 90, costMinor: 2, raw: expect.objectContaining({ payer: 'card', cardId: card.id }) });
    expect((await r.store.cdrs.listForRequest(request.id)).map((cdr) => cdr.legUuid).sort()).toEqual([a, b].sort());
    expect(await r.store.cards.findById(card.id)).toMatchObject({ balanceMinor: 98, reservedMinor: 0 });
    await expectNoHolds(r, card, [request]);
  });

  it('a leg an in-call feature adds on a card-paid call holds the card\'s money too, and is refused once the card has nothing left beyond its holds', async () => {
    const { r, card } = await cardRig(2, new Map());
    const ctx = offlineEngineContext(getDb(), 'card-holds-test', { logger: r.logger, clock: r.clock, settings: r.settings, socketAddress: r.socket, operatorCallbackAccountId: r.operatorAccountId });
    const { request } = await r.store.callbackRequests.create({
      accountId: r.operatorAccountId,
      trigger: 'access',
      source: SOURCE,
      destination: DESTINATION,
      state: 'bridged',
      data: { unidentified: true, chosenPayer: { cardId: card.id, since: r.clock.now() } },
    });
    const funds = new Funds(ctx);
    const pricing = await funds.priceLegB(request, DESTINATION_2);
    if (isRefusal(pricing)) throw new Error(`priced as ${pricing.refused}`);
    expect(pricing.payer).toEqual({ kind: 'card', cardId: card.id, accountId: null });

    const first = await funds.holdForFeatureLeg(request, { uuid: randomUUID(), pricing });
    // 2 cents at 1 cent a minute: a 2-minute call, both cents held on the card.
    expect(first).toMatchObject({ limitSeconds: 120, hold: { cardId: card.id, amount: 2 } });
    expect(await funds.holdForFeatureLeg(request, { uuid: randomUUID(), pricing })).toEqual({ refused: 'insufficient_funds' });
    expect(await r.store.cards.findById(card.id)).toMatchObject({ balanceMinor: 2, reservedMinor: 2 });
  });
});
