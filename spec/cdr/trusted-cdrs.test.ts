import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { reportedLegEnd } from '../../lib/callback/engine';
import { FREESWITCH_CDR_PATH } from '../../lib/http/freeswitch-cdr';
import type { Leg } from '../../lib/store';
import { captureLogger } from '../security/support/capturing-logger';
import { describeEachDatabase } from '../support/databases';
import { DESTINATION, SOURCE, type EngineRig } from '../support/engine-harness';
import { rigPerTest } from './rig-per-test';
import { AUTHORIZATION, cdrApp, sampleCdr } from './support';

/*
 * Issue #15 item 4 and issue #16 item 1: a posted CDR settles only a leg whose end FreeSWITCH
 * would report; a CDR for a live leg is kept and reconciled once the leg's own end settles it;
 * a CDR arriving just before the socket's end waits for it (a grace) and is then reconciled, not
 * settled with a false warning; and no settlement ever charges more than the leg's hold.
 */
describeEachDatabase('CDRs are trusted only for legs FreeSWITCH has ended', (getDb, dbEngine) => {
  const rigs = rigPerTest(dbEngine);

  async function talking(r: EngineRig, talkMs: number): Promise<{ accountId: number; orderId: string; legs: Leg[] }> {
    const account = await r.account(500);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: talkMs });
    const { request: order } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(async () => (await r.store.callbackRequests.findById(order.id))?.state === 'bridged', 'the parties talking');
    return { accountId: account.id, orderId: order.id, legs: await r.store.legs.listForRequest(order.id) };
  }

  it('a CDR with billsec 999999 for a leg still talking is stored and answered 200, settles nothing, ends nothing; the leg’s own end settles it and is reconciled with it', async () => {
    const r = await rigs.start(getDb());
    const cdrs = cdrApp({ store: r.store, clock: r.clock, logger: r.logger, engine: r.engine });
    cdrs.receiver.followSettlements(r.engine);
    const { accountId, orderId, legs } = await talking(r, 42_000);
    const b = legs.find((leg) => leg.role === 'B')!;
    const before = await r.store.accounts.balance(accountId);

    const forged = sampleCdr({ uuid: b.uuid, billsec: 999_999, variables: { callback_request_id: orderId } });
    const response = await request(cdrs.app).post(`${FREESWITCH_CDR_PATH}?uuid=${b.uuid}`).set('Authorization', AUTHORIZATION).set('Content-Type', 'application/json').send(JSON.stringify(forged));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ legUuid: b.uuid, outcome: 'deferred' });
    expect(await r.store.freeswitchCdrs.findByLegUuid(b.uuid)).toMatchObject({ billsec: 999_999, reconciliation: 'pending' });
    expect(await r.store.cdrs.findByLegUuid(b.uuid)).toBeNull();
    expect(await r.store.legs.findByUuid(b.uuid)).toMatchObject({ endedAt: null });
    expect(r.sim.channel(b.uuid)?.variables.billsec).toBeUndefined();
    expect(await r.store.accounts.balance(accountId)).toEqual(before);
    expect((await r.store.callbackRequests.findById(orderId))?.state).toBe('bridged');

    await r.finish(orderId);
    await r.runUntil(async () => (await r.store.freeswitchCdrs.findByLegUuid(b.uuid))?.reconciliation !== 'pending', 'the stored CDR reconciled');
    const settled = (await r.store.cdrs.findByLegUuid(b.uuid))!;
    expect(settled).toMatchObject({ source: 'socket', billsec: 42 });
    expect(await r.store.freeswitchCdrs.findByLegUuid(b.uuid)).toMatchObject({
      reconciliation: 'discrepancy',
      reconciliationDetails: { estimated: false, differences: [{ field: 'billsec', ours: 42, freeswitch: 999_999 }] },
    });
    const costs = (await r.store.cdrs.listForRequest(orderId)).reduce((sum, cdr) => sum + cdr.costMinor, 0);
    expect(await r.store.accounts.balance(accountId)).toMatchObject({ balanceMinor: 500 - costs, reservedMinor: 0 });
    expect(await r.store.billingDiscrepancies.list({ accountId })).toEqual([]);
  });

  it('a settlement never charges a leg more than its hold: the excess is recorded as a discrepancy and listed at GET /api/v1/discrepancies', async () => {
    const r = await rigs.start(getDb());
    const { accountId, orderId, legs } = await talking(r, 600_000);
    const b = legs.find((leg) => leg.role === 'B')!;
    const hold = (await r.store.reservations.listHeld({ requestId: orderId })).find((held) => held.legUuid === b.uuid)!;
    expect(hold.amountMinor).toBeGreaterThan(0);
    const balance = (await r.store.accounts.balance(accountId))!.balanceMinor;

    const answeredAt = (await r.store.legs.findByUuid(b.uuid))!.answeredAt!;
    const end = reportedLegEnd({ hangupCause: 'NORMAL_CLEARING', billsec: 999_999, startedAt: answeredAt - 1_000, answeredAt, endedAt: answeredAt + 999_999_000 });
    const settled = await r.engine.settleReportedEnd(b.uuid, end);
    // B is held live here: the end is handed to it, and its settlement is this call's.
    expect(settled).toMatchObject({ written: true, requestId: orderId });
    expect(await r.store.cdrs.findByLegUuid(b.uuid)).toMatchObject({ billsec: 999_999, source: 'json_cdr', costMinor: settled!.costMinor });
    expect(settled!.costMinor).toBeGreaterThan(hold.amountMinor);

    expect((await r.store.accounts.balance(accountId))!.balanceMinor).toBe(balance - hold.amountMinor);
    const [discrepancy, ...none] = await r.store.billingDiscrepancies.list({ accountId });
    expect(none).toEqual([]);
    expect(discrepancy).toMatchObject({
      legUuid: b.uuid,
      requestId: orderId,
      kind: 'over_hold',
      source: 'json_cdr',
      billsec: 999_999,
      holdMinor: hold.amountMinor,
      ratedCostMinor: settled!.costMinor,
      chargedMinor: hold.amountMinor,
      excessMinor: settled!.costMinor - hold.amountMinor,
    });

    const operatorKey = (await r.store.apiKeys.create({ accountId: null, label: 'operator' })).plainKey;
    const { createHttpApp } = await import('../../lib/http/app');
    const { API_PREFIX, apiRouter } = await import('../../lib/http/api/router');
    const app = createHttpApp({ logger: r.logger, readiness: [], routers: [{ path: API_PREFIX, router: apiRouter({ engine: r.engine, db: getDb(), logger: r.logger, clock: r.clock }) }] });
    const listed = await request(app).get(`/api/v1/discrepancies?accountId=${accountId}`).set('Authorization', `Bearer ${operatorKey}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ items: [expect.objectContaining({ legUuid: b.uuid, kind: 'over_hold', excessMinor: discrepancy!.excessMinor, chargedMinor: hold.amountMinor })] });
  });

  it('with FreeSWITCH posting each CDR before CHANNEL_HANGUP_COMPLETE, every CDR is kept for its still-live leg, and reconciled once the socket settled it', async () => {
    const r = await rigs.start(getDb());
    const log = captureLogger(r.logger);
    const cdrs = cdrApp({ store: r.store, clock: r.clock, logger: r.logger, engine: r.engine, socketEndGraceMs: 5_000 });
    cdrs.receiver.followSettlements(r.engine);
    await rigs.postCdrsTo(r, cdrs.app, { timing: 'before-hangup-complete' });
    const { accountId, orderId, legs } = await talking(r, 30_000);
    await r.finish(orderId);
    await r.runUntil(() => cdrs.outcomes.length >= 4 && r.sim.cdrPosts.pending === 0, 'both CDRs reconciled');

    expect([...cdrs.outcomes].sort()).toEqual(['agrees', 'agrees', 'deferred', 'deferred']);
    for (const leg of legs) expect(await r.store.freeswitchCdrs.findByLegUuid(leg.uuid)).toMatchObject({ reconciliation: 'agrees' });
    const settled = await r.store.cdrs.listForRequest(orderId);
    expect(settled.map((cdr) => cdr.source)).toEqual(['socket', 'socket']);
    const costs = settled.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    expect(await r.store.accounts.balance(accountId)).toMatchObject({ balanceMinor: 500 - costs, reservedMinor: 0 });
    expect(log.lines.filter((line) => line.includes('its end never reached us'))).toEqual([]);
  });

  it('a CDR for a leg that is gone, whose end never reaches us, is settled from the CDR with the warning only once the grace has run out', async () => {
    const r = await rigs.start(getDb());
    const log = captureLogger(r.logger);
    const cdrs = cdrApp({ store: r.store, clock: r.clock, logger: r.logger, engine: r.engine, socketEndGraceMs: 5_000 });
    // A leg whose controller is gone (its row, but no one following it) and that FreeSWITCH no longer has.
    const account = await r.account(500);
    const { request: order } = await r.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: SOURCE, destination: DESTINATION, state: 'bridged' });
    const uuid = randomUUID();
    await r.store.legs.create({ uuid, requestId: order.id, role: 'B', node: 'fs1', number: DESTINATION, state: 'answered' });
    const cdr = sampleCdr({ uuid, billsec: 30, answeredAt: r.clock.now() - 31_000, variables: { callback_request_id: order.id } });

    let answered: { outcome: string; at: number } | undefined;
    const sentAt = r.clock.now();
    void request(cdrs.app)
      .post(`${FREESWITCH_CDR_PATH}?uuid=${uuid}`)
      .set('Authorization', AUTHORIZATION)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(cdr))
      .then((response) => (answered = { outcome: (response.body as { outcome: string }).outcome, at: r.clock.now() }));
    await r.runUntil(() => answered !== undefined, 'the CDR answered');

    expect(answered!.outcome).toBe('settled');
    expect(answered!.at - sentAt).toBeGreaterThanOrEqual(5_000);
    expect(await r.store.cdrs.findByLegUuid(uuid)).toMatchObject({ source: 'json_cdr', requestId: order.id, billsec: 30 });
    expect(log.lines.filter((line) => line.includes('its end never reached us'))).toHaveLength(1);
  });

  it('a normal call whose CDRs arrive as its legs end is reconciled, never settled from the CDR with the "end never reached us" warning', async () => {
    const r = await rigs.start(getDb());
    const log = captureLogger(r.logger);
    const cdrs = cdrApp({ store: r.store, clock: r.clock, logger: r.logger, engine: r.engine, socketEndGraceMs: 5_000 });
    cdrs.receiver.followSettlements(r.engine);
    await rigs.postCdrsTo(r, cdrs.app);
    const { orderId } = await talking(r, 30_000);
    await r.finish(orderId);
    await r.runUntil(() => cdrs.outcomes.length >= 2 && r.sim.cdrPosts.pending === 0, 'both CDRs answered');
    await r.sim.cdrPosts.idle();

    // Deferred at its post while the leg is live here, then compared once the leg settled from the socket.
    expect(cdrs.outcomes.filter((outcome) => outcome !== 'deferred').sort()).toEqual(['agrees', 'agrees']);
    expect((await r.store.cdrs.listForRequest(orderId)).map((cdr) => cdr.source)).toEqual(['socket', 'socket']);
    expect(log.lines.filter((line) => line.includes('its end never reached us'))).toEqual([]);
  });
});
