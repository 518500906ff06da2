import knex, { type Knex } from 'knex';
import request from 'supertest';
import { rateLeg } from '../../lib/billing';
import { CONTROLLER_LOST, reportedLegEnd, type CallbackEngine, type EngineTelephony } from '../../lib/callback/engine';
import { readJsonCdrBody } from '../../lib/cdr';
import type { E164 } from '../../lib/domain/phone-number';
import { FREESWITCH_CDR_PATH } from '../../lib/http/freeswitch-cdr';
import { createScheduler, type Scheduler } from '../../lib/scheduler';
import { createStore, type Account, type Cdr, type Leg, type Store } from '../../lib/store';
import { EslTestClient } from '../simulator/esl-test-client';
import { describeEachDatabase } from '../support/databases';
import { DESTINATION, SOURCE, type EngineRig } from '../support/engine-harness';
import { offlineEngine } from '../support/offline-engine';
import { freePort } from '../support/ports';
import { rigPerTest } from './rig-per-test';
import { AUTHORIZATION, CRED, cdrApp, serve, type CdrApp } from './support';

const realTick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

describeEachDatabase('FreeSWITCH CDRs from the simulator, reconciled with the socket', (getDb, dbEngine) => {
  const rigs = rigPerTest(dbEngine);

  /** What the account holds and what was written for the request, to prove a CDR changed nothing. */
  async function books(store: Store, account: Account, requestId: string) {
    return {
      balance: await store.accounts.balance(account.id),
      cdrs: await store.cdrs.listForRequest(requestId),
      legs: await store.legs.listForRequest(requestId),
      held: await store.reservations.listHeld({ accountId: account.id }),
    };
  }

  async function expectedCost(r: EngineRig, store: Store, account: Account, legs: Leg[], order: { source: string; destination: string | null } = { source: SOURCE, destination: DESTINATION }): Promise<number> {
    const [a, b] = legs;
    const callback = await store.tariffs.findRateByLongestPrefix(account.callbackTariffId!, order.source);
    const retail = await store.tariffs.findRateByLongestPrefix(account.tariffId!, order.destination!);
    const billsec = (leg: Leg): number => Number(r.sim.channel(leg.uuid)!.variables.billsec);
    return rateLeg(callback!, billsec(a!)).costMinor + rateLeg(retail!, billsec(b!)).costMinor;
  }

  it('a CDR that agrees with the socket changes nothing', async () => {
    const r = await rigs.start(getDb());
    // Held until the socket's settlement landed, so that the CDRs meet settled legs.
    const cdrs = cdrApp({ store: r.store, clock: r.clock, logger: r.logger, engine: r.engine, gated: true });
    await rigs.postCdrsTo(r, cdrs.app);
    const account = await r.account(500);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 42_000 });

    const { request: order } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.finish(order.id);
    const before = await books(r.store, account, order.id);
    expect(before.cdrs.map((cdr) => cdr.source)).toEqual(['socket', 'socket']);
    cdrs.gate.open();
    await r.sim.cdrPosts.idle();

    expect(cdrs.outcomes).toEqual(['agrees', 'agrees']);
    for (const leg of before.legs) {
      expect(await r.store.freeswitchCdrs.findByLegUuid(leg.uuid)).toMatchObject({ requestId: order.id, billsec: leg.billsec, hangupCause: leg.hangupCause, reconciliation: 'agrees', reconciliationDetails: null });
    }
    expect(await books(r.store, account, order.id)).toEqual(before);
  });

  it('a CDR that disagrees is recorded as a discrepancy, and moves no money', async () => {
    const r = await rigs.start(getDb());
    const cdrs = cdrApp({ store: r.store, clock: r.clock, logger: r.logger, engine: r.engine });
    const account = await r.account(500);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 42_000 });
    const { request: order } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.finish(order.id);
    const before = await books(r.store, account, order.id);
    const b = before.legs[1]!;

    // FreeSWITCH's CDR of leg B says 3 s more and another cause than its events did.
    const variables = { ...r.sim.channel(b.uuid)!.variables, billsec: String(b.billsec! + 3), hangup_cause: 'ALLOTTED_TIMEOUT' };
    const response = await request(cdrs.app)
      .post(`${FREESWITCH_CDR_PATH}?uuid=${b.uuid}`)
      .set('Authorization', AUTHORIZATION)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ switchname: 'fs1', variables }));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ legUuid: b.uuid, outcome: 'discrepancy' });
    expect(await r.store.freeswitchCdrs.findByLegUuid(b.uuid)).toMatchObject({
      reconciliation: 'discrepancy',
      reconciliationDetails: {
        estimated: false,
        differences: [
          { field: 'billsec', ours: b.billsec, freeswitch: b.billsec! + 3 },
          { field: 'hangup_cause', ours: 'NORMAL_CLEARING', freeswitch: 'ALLOTTED_TIMEOUT' },
        ],
      },
    });
    expect(await r.store.freeswitchCdrs.listByReconciliation('discrepancy')).toHaveLength(1);
    expect(cdrs.outcomes).toEqual(['discrepancy']);
    expect(await books(r.store, account, order.id)).toEqual(before);
  });

  it('whichever of the socket and the CDR reports a leg first, every leg is settled exactly once and the balance is exact', async () => {
    const r = await rigs.start(getDb());
    // No gate: the CDRs race the controller's own events, as they do in production.
    const cdrs = cdrApp({ store: r.store, clock: r.clock, logger: r.logger, engine: r.engine });
    cdrs.receiver.followSettlements(r.engine);
    await rigs.postCdrsTo(r, cdrs.app);
    const calls = await Promise.all(
      [0, 1, 2].map(async (i) => ({ account: await r.account(500), source: `+1202555011${i}` as E164, destination: `+1202555021${i}` as E164, talkMs: 20_000 + i * 7_000 })),
    );
    for (const call of calls) {
      r.sim.setPhone(call.source, { kind: 'answer' });
      r.sim.setPhone(call.destination, { kind: 'answer', hangupAfterMs: call.talkMs });
    }
    const orders = await Promise.all(calls.map((call) => r.engine.order({ accountId: call.account.id, source: call.source, destination: call.destination })));
    for (const { request: order } of orders) await r.finish(order.id);
    await r.sim.cdrPosts.idle();

    // A CDR posted while its leg is live here is deferred at once (FreeSWITCH fires the leg's
    // CHANNEL_HANGUP_COMPLETE only once its post is answered), then reconciled when the leg settles.
    const reconciled = cdrs.outcomes.filter((outcome) => outcome !== 'deferred');
    expect(reconciled).toHaveLength(6);
    expect(reconciled.every((outcome) => outcome === 'agrees' || outcome === 'settled')).toBe(true);
    for (const [i, call] of calls.entries()) {
      const requestId = orders[i]!.request.id;
      const legs = await r.store.legs.listForRequest(requestId);
      const settled = await r.store.cdrs.listForRequest(requestId);
      expect(legs).toHaveLength(2);
      expect(settled.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
      for (const leg of legs) expect(leg.billsec).toBe(Number(r.sim.channel(leg.uuid)!.variables.billsec));
      const expected = await expectedCost(r, r.store, call.account, legs, call);
      expect(settled.reduce((sum, cdr) => sum + cdr.costMinor, 0)).toBe(expected);
      expect(await r.store.accounts.balance(call.account.id)).toMatchObject({ balanceMinor: 500 - expected, reservedMinor: 0 });
    }
  });

  it('a leg that ended while the controller was down is rated and settled exactly once when its CDR arrives', async () => {
    // FreeSWITCH, with no one to take its CDRs yet, retries them (json_cdr.conf.xml: retries 3, delay 5).
    const port = await freePort();
    const { r, account, order, legs } = await talkOutlivingItsController(port);

    // The controller is back (a new instance, its lease on the request long expired); the next retry reaches it.
    const survivor = await restartedController(getDb(), r, port);
    expect((await books(survivor.store, account, order.id)).cdrs).toEqual([]);
    await r.clock.advance(5_000);
    await r.sim.cdrPosts.idle();

    expect(survivor.cdrs.outcomes.sort()).toEqual(['settled', 'settled']);
    const after = await books(survivor.store, account, order.id);
    const cost = await expectedCost(r, survivor.store, account, legs);
    expect(cost).toBeGreaterThan(0);
    expect(after.balance).toMatchObject({ balanceMinor: 500 - cost, reservedMinor: 0 });
    expect(after.held).toEqual([]);
    const byLeg = (rows: Array<[string, ...unknown[]]>) => rows.sort((x, y) => x[0].localeCompare(y[0]));
    expect(byLeg(after.cdrs.map((cdr) => [cdr.legUuid, cdr.source, cdr.billsec, cdr.hangupCause]))).toEqual(
      byLeg(legs.map((leg) => [leg.uuid, 'json_cdr', Number(r.sim.channel(leg.uuid)!.variables.billsec), r.sim.channel(leg.uuid)!.variables.hangup_cause])),
    );
    expect(after.cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0)).toBe(cost);
    expect(after.legs.every((leg) => leg.endedAt !== null && leg.billsec === Number(r.sim.channel(leg.uuid)!.variables.billsec))).toBe(true);
    // The last open leg settled: the abandoned request is final at once, with the cause FreeSWITCH reported (#16.4).
    expect(await survivor.store.callbackRequests.findById(order.id)).toMatchObject({ state: 'completed', lastCause: r.sim.channel(legs[1]!.uuid)!.variables.hangup_cause });

    // FreeSWITCH posting again, and the periodic sweep, change nothing.
    for (const leg of legs) {
      const variables = r.sim.channel(leg.uuid)!.variables;
      const again = await request(survivor.cdrs.app).post(`${FREESWITCH_CDR_PATH}?uuid=${leg.uuid}`).set('Authorization', AUTHORIZATION).set('Content-Type', 'application/json').send(JSON.stringify({ variables }));
      expect(again.body).toEqual({ legUuid: leg.uuid, outcome: 'duplicate' });
    }
    await survivor.scheduler.sweep(r.clock.now() + 600_000);
    expect(await books(survivor.store, account, order.id)).toEqual(after);
  });

  /**
   * #16.4: the controller was killed and restarted on the same host while its lease still runs for
   * minutes: the dead one's id names this host and the pid the restarted process now has.
   */
  async function killedAndRestartedHere(claimantHost: string) {
    const port = await freePort();
    const { r, account, order, legs } = await talkOutlivingItsController(port);
    await getDb()('callback_requests').where({ id: order.id }).update({ claimed_by: `${claimantHost}-${process.pid}-deadbeef`, lease_until: r.clock.now() + 600_000 });
    const survivor = await restartedController(getDb(), r, port, `callback-host-${process.pid}-0a1b2c3d`);
    await r.clock.advance(5_000);
    await r.sim.cdrPosts.idle();
    expect(survivor.cdrs.outcomes.sort()).toEqual(['settled', 'settled']);
    return { r, survivor, account, order, legs };
  }

  it('#16.4 a request whose every leg a CDR settled is final at once, with the cause FreeSWITCH reported, when its dead controller ran on this host', async () => {
    const { r, survivor, account, order, legs } = await killedAndRestartedHere('callback-host');
    const cause = r.sim.channel(legs[1]!.uuid)!.variables.hangup_cause;
    expect(cause).toBe('NORMAL_CLEARING');
    expect(await survivor.store.callbackRequests.findById(order.id)).toMatchObject({ state: 'completed', lastCause: cause, claimedBy: null });
    const after = await books(survivor.store, account, order.id);
    expect(after.held).toEqual([]);
    expect(after.balance).toMatchObject({ balanceMinor: 500 - (await expectedCost(r, survivor.store, account, legs)), reservedMinor: 0 });
    // The sweep, once the dead lease is out, finds nothing left to do.
    await survivor.scheduler.sweep(r.clock.now() + 900_000);
    expect(await books(survivor.store, account, order.id)).toEqual(after);
  });

  it('#16.4 a request of a controller on another host, whose lease still runs, is left to it until the lease runs out; then it ends with the reported cause', async () => {
    const { r, survivor, order, legs } = await killedAndRestartedHere('another-host');
    expect(await survivor.store.callbackRequests.findById(order.id)).toMatchObject({ state: 'bridged' });
    expect(await survivor.scheduler.sweep(r.clock.now() + 600_001)).toMatchObject({ recovered: 1, errors: 0 });
    expect(await survivor.store.callbackRequests.findById(order.id)).toMatchObject({ state: 'completed', lastCause: r.sim.channel(legs[1]!.uuid)!.variables.hangup_cause });
  });

  /** Each leg's cost at its own tariff for `billsec` (A: callback tariff, B: retail), as settlement rates it. */
  async function legCost(store: Store, account: Account, leg: Leg, billsec: number): Promise<number> {
    const rate = leg.role === 'A' ? await store.tariffs.findRateByLongestPrefix(account.callbackTariffId!, SOURCE) : await store.tariffs.findRateByLongestPrefix(account.tariffId!, DESTINATION);
    return rateLeg(rate!, billsec).costMinor;
  }

  /**
   * The controller dies while the parties talk for `talkMs`; a restarted one recovers the request
   * once the dead lease ran out, before FreeSWITCH's CDRs get through (they wait `cdrDelayMs` between
   * tries), so the legs are settled from estimates up to that lease. Then the CDRs arrive.
   */
  async function estimatedThenReported(options: { talkMs: number; cdrDelayMs: number; deliver?: boolean }) {
    const port = await freePort();
    const { r, account, order, legs } = await talkOutlivingItsController(port, options);
    const deadLease = Number((await getDb()('callback_requests').where({ id: order.id }).first<{ lease_until: number | string }>('lease_until'))!.lease_until);
    const survivor = await restartedController(getDb(), r, port);
    if (r.clock.now() <= deadLease) await r.clock.advance(deadLease + 1 - r.clock.now());
    expect(await survivor.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    const recovered = await books(survivor.store, account, order.id);
    expect(recovered.cdrs.map((cdr) => [cdr.source, cdr.raw?.reported, cdr.endedAt])).toEqual([
      ['socket', false, deadLease],
      ['socket', false, deadLease],
    ]);
    expect(await survivor.store.callbackRequests.findById(order.id)).toMatchObject({ state: 'completed', lastCause: CONTROLLER_LOST });

    if (options.deliver ?? true) {
      await r.clock.advance(options.cdrDelayMs);
      await r.sim.cdrPosts.idle();
    }
    const real = (leg: Leg): number => Number(r.sim.channel(leg.uuid)!.variables.billsec);
    const estimated = (leg: Leg): Cdr => recovered.cdrs.find((cdr) => cdr.legUuid === leg.uuid)!;
    return { r, survivor, account, order, legs, recovered, real, estimated };
  }

  /** Every leg now carries FreeSWITCH's billsec and its cost, and the account paid exactly that, through one adjustment per leg. */
  async function expectCorrectedToReal(run: Awaited<ReturnType<typeof estimatedThenReported>>): Promise<number[]> {
    const { r, survivor, account, order, legs, real, estimated } = run;
    const store = survivor.store;
    expect(survivor.cdrs.outcomes).toEqual(['corrected', 'corrected']);
    const amounts: number[] = [];
    let total = 0;
    for (const leg of legs) {
      const realCost = await legCost(store, account, leg, real(leg));
      const estimate = estimated(leg);
      expect(estimate.billsec).not.toBe(real(leg));
      total += realCost;
      expect(await store.cdrs.findByLegUuid(leg.uuid)).toMatchObject({ billsec: real(leg), costMinor: realCost, hangupCause: r.sim.channel(leg.uuid)!.variables.hangup_cause, raw: { reported: true, estimate: { billsec: estimate.billsec, costMinor: estimate.costMinor } } });
      expect(await store.legs.findByUuid(leg.uuid)).toMatchObject({ billsec: real(leg), costMinor: realCost });
      const adjustment = await store.billingAdjustments.findByLegUuid(leg.uuid);
      expect(adjustment).toMatchObject({ requestId: order.id, accountId: account.id, cardId: null, reason: 'estimate_corrected', estimatedBillsec: estimate.billsec, correctedBillsec: real(leg), estimatedCostMinor: estimate.costMinor, correctedCostMinor: realCost, amountMinor: realCost - estimate.costMinor });
      expect(await store.freeswitchCdrs.findByLegUuid(leg.uuid)).toMatchObject({
        reconciliation: 'corrected',
        reconciliationDetails: { estimated: true, differences: [{ field: 'billsec', ours: estimate.billsec, freeswitch: real(leg) }], adjustment: { amountMinor: realCost - estimate.costMinor } },
      });
      amounts.push(adjustment!.amountMinor);
    }
    expect(await store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 500 - total, reservedMinor: 0 });
    expect(await store.billingAdjustments.list({ accountId: account.id })).toHaveLength(2);
    return amounts;
  }

  it('a CDR arriving after recovery estimated its leg corrects the charge to the real billsec, exactly once: an estimate too low is charged the difference', async () => {
    // 200 s of talk; the dead lease ran out long before the parties hung up.
    const run = await estimatedThenReported({ talkMs: 200_000, cdrDelayMs: 5_000 });
    for (const leg of run.legs) expect(run.estimated(leg).billsec).toBeLessThan(run.real(leg));
    const amounts = await expectCorrectedToReal(run);
    expect(amounts.every((amount) => amount > 0)).toBe(true);
  });

  it('a CDR arriving after recovery estimated its leg corrects the charge to the real billsec, exactly once: an estimate too high is refunded the difference', async () => {
    // 10 s of talk; the dead lease ran on for more than a minute after the parties hung up.
    const run = await estimatedThenReported({ talkMs: 10_000, cdrDelayMs: 150_000 });
    for (const leg of run.legs) expect(run.estimated(leg).billsec).toBeGreaterThan(run.real(leg));
    const amounts = await expectCorrectedToReal(run);
    expect(amounts.every((amount) => amount < 0)).toBe(true);
  });

  it('a correction never charges a leg beyond its hold: the excess is recorded as a discrepancy of the correction', async () => {
    const run = await estimatedThenReported({ talkMs: 200_000, cdrDelayMs: 5_000, deliver: false });
    const { survivor, account, order, legs } = run;
    const b = legs.find((leg) => leg.role === 'B')!;
    const hold = (await survivor.store.reservations.findSettledForLeg(b.uuid))!;
    const balance = (await survivor.store.accounts.balance(account.id))!.balanceMinor;
    const estimate = run.estimated(b);

    const end = reportedLegEnd({ hangupCause: 'NORMAL_CLEARING', billsec: 999_999, startedAt: estimate.startedAt, answeredAt: estimate.answeredAt, endedAt: estimate.answeredAt! + 999_999_000 });
    const corrected = await survivor.engine.correctEstimate(b.uuid, end, {});

    const charged = corrected!.adjustment!.amountMinor;
    expect(charged).toBe(hold.amountMinor - hold.settledMinor!);
    expect((await survivor.store.accounts.balance(account.id))!.balanceMinor).toBe(balance - charged);
    expect(await survivor.store.billingDiscrepancies.list({ accountId: account.id })).toEqual([
      expect.objectContaining({ legUuid: b.uuid, requestId: order.id, source: 'correction', holdMinor: hold.amountMinor, chargedMinor: hold.amountMinor, excessMinor: corrected!.adjustment!.correctedCostMinor - estimate.costMinor - charged }),
    ]);
  });

  it('a re-posted CDR after a correction moves no money', async () => {
    const run = await estimatedThenReported({ talkMs: 200_000, cdrDelayMs: 5_000 });
    await expectCorrectedToReal(run);
    const { r, survivor, account, order, legs } = run;
    const after = { ...(await books(survivor.store, account, order.id)), adjustments: await survivor.store.billingAdjustments.list() };

    for (const leg of legs) {
      const variables = r.sim.channel(leg.uuid)!.variables;
      const again = await request(survivor.cdrs.app).post(`${FREESWITCH_CDR_PATH}?uuid=${leg.uuid}`).set('Authorization', AUTHORIZATION).set('Content-Type', 'application/json').send(JSON.stringify({ variables }));
      expect(again.body).toEqual({ legUuid: leg.uuid, outcome: 'duplicate' });
      // Even asked straight, the engine finds nothing left to correct.
      expect(await survivor.engine.correctEstimate(leg.uuid, reportedLegEnd({ ...(await survivor.store.freeswitchCdrs.findByLegUuid(leg.uuid))! }), {})).toBeUndefined();
    }
    await survivor.scheduler.sweep(r.clock.now() + 600_000);
    expect({ ...(await books(survivor.store, account, order.id)), adjustments: await survivor.store.billingAdjustments.list() }).toEqual(after);
  });

  it('a CDR already stored when recovery runs is used instead of an estimate', async () => {
    const port = await freePort();
    const { r, account, order, legs } = await talkOutlivingItsController(port, { talkMs: 200_000, cdrDelayMs: 5_000 });
    const survivor = await restartedController(getDb(), r, port);
    // A receiver stored FreeSWITCH's CDRs, then died before it could settle from them (they stay pending).
    for (const leg of legs) {
      const body = Buffer.from(JSON.stringify({ switchname: 'fs1', variables: r.sim.channel(leg.uuid)!.variables }));
      const reading = readJsonCdrBody('application/json', body, leg.uuid);
      if (!reading.ok) throw new Error(reading.problem);
      expect(await survivor.store.freeswitchCdrs.insert({ ...reading.cdr })).toBe(true);
    }
    await r.clock.advance(3_000);
    expect(await survivor.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });

    const after = await books(survivor.store, account, order.id);
    const real = (leg: Leg): number => Number(r.sim.channel(leg.uuid)!.variables.billsec);
    let total = 0;
    for (const leg of legs) {
      const cost = await legCost(survivor.store, account, leg, real(leg));
      total += cost;
      expect(after.cdrs.find((cdr) => cdr.legUuid === leg.uuid)).toMatchObject({ source: 'json_cdr', billsec: real(leg), costMinor: cost, raw: { reported: true } });
      expect(await survivor.store.freeswitchCdrs.findByLegUuid(leg.uuid)).toMatchObject({ reconciliation: 'settled', reconciliationDetails: { costMinor: cost } });
    }
    expect(after.balance).toMatchObject({ balanceMinor: 500 - total, reservedMinor: 0 });
    // Every leg settled from FreeSWITCH's figures: the request ends with the cause it reported (#16.4).
    expect(await survivor.store.callbackRequests.findById(order.id)).toMatchObject({ state: 'completed', lastCause: r.sim.channel(legs[1]!.uuid)!.variables.hangup_cause });

    // FreeSWITCH's retries of the same CDRs change nothing, and nothing needed correcting.
    await r.clock.advance(2_000);
    await r.sim.cdrPosts.idle();
    expect(survivor.cdrs.outcomes).toEqual(['duplicate', 'duplicate']);
    expect(await survivor.store.billingAdjustments.list({ accountId: account.id })).toEqual([]);
    expect(await books(survivor.store, account, order.id)).toEqual(after);
  });

  /**
   * A call placed by a controller that then dies mid-talk (its own database connection goes, its
   * engine stops listening) while FreeSWITCH keeps the bridge (08b); 200 s later the parties hang
   * up. The simulator's CDR posts to `port` (nobody listens yet) wait for their retries.
   */
  async function talkOutlivingItsController(port: number, options: { talkMs: number; cdrDelayMs: number } = { talkMs: 200_000, cdrDelayMs: 5_000 }): Promise<{ r: EngineRig; account: Account; order: { id: string }; legs: Leg[] }> {
    const dying: Knex = knex(getDb().client.config as Knex.Config);
    rigs.afterTest(() => dying.destroy());
    const r = await rigs.start(dying);
    const account = await r.account(500);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer' });
    const { request: order } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(async () => (await r.store.callbackRequests.findById(order.id))?.state === 'bridged', 'the parties talking');
    const legs = await r.store.legs.listForRequest(order.id);
    expect(legs.map((leg) => [leg.role, leg.endedAt])).toEqual([
      ['A', null],
      ['B', null],
    ]);

    r.engine.close();
    await dying.destroy();
    r.sim.postCdrsTo({ url: `http://127.0.0.1:${port}${FREESWITCH_CDR_PATH}`, cred: CRED, retries: 3, delayMs: options.cdrDelayMs });
    await r.clock.advance(options.talkMs);
    r.sim.hangup(legs[1]!.uuid);
    // Whoever is left on the line puts the phone down too.
    for (let i = 0; i < 50 && r.sim.channels().length > 0; i += 1) await realTick();
    r.sim.hangup(legs[0]!.uuid);
    for (let i = 0; i < 500 && (r.sim.channels().length > 0 || r.sim.cdrPosts.retrying < 2); i += 1) await realTick();
    expect(r.sim.channels()).toEqual([]);
    expect(r.sim.cdrPosts).toMatchObject({ pending: 2, retrying: 2 });
    expect(await r.store.legs.listForRequest(order.id).catch(() => 'the dead controller reads nothing')).toBe('the dead controller reads nothing');
    return { r, account, order, legs };
  }

  /** A controller started after the crash on the same database and the simulator's clock, serving the CDR endpoint on `port`. */
  async function restartedController(db: Knex, r: EngineRig, port: number, instanceId = 'restarted'): Promise<{ store: Store; engine: CallbackEngine; scheduler: Scheduler; cdrs: CdrApp }> {
    const store = createStore(db, () => r.clock.now());
    // It can ask FreeSWITCH whether the dead controller's legs are still there (uuid_exists).
    const control = await EslTestClient.authed(r.sim.eslPort);
    rigs.afterTest(async () => control.close());
    const telephony: EngineTelephony = { socketAddress: { host: '127.0.0.1', port: 1 }, nodes: ['fs1'], pickNode: () => 'fs1', originate: () => Promise.reject(new Error('nothing is dialed here')), api: (_node, command) => control.api(command), onEvent: () => () => undefined };
    const { engine } = await offlineEngine({ db, store, clock: r.clock, logger: r.logger, instanceId, telephony });
    const scheduler = createScheduler({
      settings: { driver: 'memory' },
      db,
      clock: r.clock,
      logger: r.logger,
      instanceId,
      dial: () => Promise.reject(new Error('nothing is dialed here')),
      recover: (lost, lease) => engine.recover(lost, lease),
      sweepCron: null,
    });
    const cdrs = cdrApp({ store, clock: r.clock, logger: r.logger, engine, recoverAbandoned: () => scheduler.sweep(r.clock.now()) });
    const server = await serve(cdrs.app, port);
    rigs.afterTest(() => server.close());
    return { store, engine, scheduler, cdrs };
  }
});
