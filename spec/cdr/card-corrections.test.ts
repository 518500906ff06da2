import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { minorUnits } from '../../lib/domain/money';
import { FREESWITCH_CDR_PATH } from '../../lib/http/freeswitch-cdr';
import { describeEachDatabase } from '../support/databases';
import { cardWithBalance } from '../store/fixtures';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../support/engine-harness';
import { AUTHORIZATION, cdrApp, sampleCdr } from './support';

/** B4 + A4: a card-paid leg settled from an estimate at recovery, corrected when its CDR arrives. */
describeEachDatabase('estimate corrections on calling cards', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  /** A talk whose controller died 90 s after the answer, its legs gone from the switch; leg B paid by a card holding `hold`. */
  async function estimatedCardTalk(balance: number, hold: number) {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const card = await cardWithBalance(r.store, balance);
    const { request: order } = await r.store.callbackRequests.create({
      accountId: r.operatorAccountId,
      trigger: 'access',
      source: SOURCE,
      destination: DESTINATION,
      state: 'bridged',
      data: { talked: true, unidentified: true, chosenPayer: { cardId: card.id, since: r.clock.now() - 120_000 } },
    });
    const [a, b] = [randomUUID(), randomUUID()];
    const answeredAt = r.clock.now() - 90_000;
    for (const [uuid, role, number] of [[a, 'A', SOURCE], [b, 'B', DESTINATION]] as const) {
      await r.store.legs.create({ uuid, requestId: order.id, role, number, state: 'bridged' });
      await r.store.legs.update(uuid, { answeredAt });
    }
    await r.store.reservations.reserveFor({ cardId: card.id }, minorUnits(hold), { requestId: order.id, legUuid: b });
    await getDb()('callback_requests').where({ id: order.id }).update({ claimed_by: 'dead-controller', lease_until: r.clock.now() });
    await r.clock.advance(1_000);
    expect(await r.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    await r.finish(order.id);
    // 90 s at 1 cent a minute, 60/60: 2 cents from the card's hold.
    expect(await r.store.cdrs.findByLegUuid(b)).toMatchObject({ billsec: 90, costMinor: 2, raw: expect.objectContaining({ payer: 'card', cardId: card.id, reported: false }) });
    const cdrs = cdrApp({ store: r.store, clock: r.clock, logger: r.logger, engine: r.engine });
    const post = async (billsec: number) =>
      (await request(cdrs.app).post(`${FREESWITCH_CDR_PATH}?uuid=${b}`).set('Authorization', AUTHORIZATION).set('Content-Type', 'application/json').send(JSON.stringify(sampleCdr({ uuid: b, billsec, answeredAt })))).body;
    return { r, card, b, post };
  }

  it('a correction charges a card only what it has: an estimate too low never takes the card below zero', async () => {
    const { r, card, b, post } = await estimatedCardTalk(3, 3);
    expect(await r.store.cards.findById(card.id)).toMatchObject({ balanceMinor: 1, reservedMinor: 0 });
    // Really 400 s: 7 cents, 5 more than the estimate; the card has 1 left.
    expect(await post(400)).toEqual({ legUuid: b, outcome: 'corrected' });
    expect(await r.store.billingAdjustments.findByLegUuid(b)).toMatchObject({ cardId: card.id, accountId: null, estimatedCostMinor: 2, correctedCostMinor: 7, amountMinor: 1 });
    expect(await r.store.cards.findById(card.id)).toMatchObject({ balanceMinor: 0, reservedMinor: 0 });
    expect(await r.store.cdrs.findByLegUuid(b)).toMatchObject({ billsec: 400, costMinor: 7 });
    expect(await post(400)).toEqual({ legUuid: b, outcome: 'duplicate' });
    expect(await r.store.cards.findById(card.id)).toMatchObject({ balanceMinor: 0 });
  });

  it('a correction refunds a card the difference when the estimate was too high', async () => {
    const { r, card, b, post } = await estimatedCardTalk(100, 10);
    expect(await r.store.cards.findById(card.id)).toMatchObject({ balanceMinor: 98, reservedMinor: 0 });
    // Really 30 s: 1 cent.
    expect(await post(30)).toEqual({ legUuid: b, outcome: 'corrected' });
    expect(await r.store.billingAdjustments.findByLegUuid(b)).toMatchObject({ cardId: card.id, estimatedCostMinor: 2, correctedCostMinor: 1, amountMinor: -1 });
    expect(await r.store.cards.findById(card.id)).toMatchObject({ balanceMinor: 99, reservedMinor: 0 });
  });
});
