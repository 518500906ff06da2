import { randomUUID } from 'node:crypto';
import { AttemptMoney } from '../../../lib/callback/engine/attempt-money';
import { CachedPrices } from '../../../lib/store/cached-prices';
import { TurnBudget, type TaskKind } from '../../../lib/callback/engine/turn-budget';
import type { DialSlot } from '../../../lib/scheduler/immediate-dials';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';
import { offlineEngine } from '../../support/offline-engine';
import { uniqueNumber } from '../../store/fixtures';

const MINUTE = 60_000;
/** The rig's scheduler dials at most this many at once (createScheduler's default concurrency). */
const PLACES = 10;
const LEG_INSERT = /^\s*insert into [`"]legs[`"]/i;
const REQUEST_UPDATE = /^\s*update [`"]callback_requests[`"]/i;

/*
 * Issue #20: an order due now is inserted already claimed by the controller that takes it, so
 * the claim's UPDATE (and its commit) no longer comes between the order and A's originate.
 */
describeEachDatabase('callback engine, an order due now inserted claimed', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  const held: DialSlot[] = [];

  afterEach(async () => {
    for (const slot of held.splice(0)) slot.release();
    await rig?.stop();
    rig = undefined;
  });

  /** Every free place of the rig's scheduler, held until released (as orders being written hold them). */
  function takeEveryPlace(r: EngineRig): number {
    let taken = 0;
    for (let slot = r.scheduler.dialAtOnce(r.clock.now()); slot; slot = r.scheduler.dialAtOnce(r.clock.now())) {
      held.push(slot);
      taken += 1;
    }
    return taken;
  }

  it('writes the row claimed, in its first state with its attempt, and dials it with no request UPDATE before A is written; the events are unchanged', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });
    const statements: string[] = [];
    const onQuery = (query: { sql: string }): void => void statements.push(query.sql);
    getDb().on('query', onQuery);

    const { request, created } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(() => statements.some((sql) => LEG_INSERT.test(sql)), "A's leg row");
    getDb().removeListener('query', onQuery);

    expect(created).toBe(true);
    expect(request).toMatchObject({ state: 'dialing_a', attempts: 1, claimedBy: 'engine-test', version: 1 });
    const beforeA = statements.slice(0, statements.findIndex((sql) => LEG_INSERT.test(sql)));
    expect(beforeA.filter((sql) => REQUEST_UPDATE.test(sql))).toEqual([]);
    expect(await r.finish(request.id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect((await r.store.legs.listForRequest(request.id)).map((leg) => leg.role)).toEqual(['A', 'B']);
    // Clients following the events see what they saw when the row was claimed after its insert.
    const changes = r.requests.filter((change) => change.requestId === request.id);
    expect(changes.slice(0, 2).map((change) => [change.event, change.from, change.to])).toEqual([
      ['ordered', null, 'queued'],
      ['due', 'queued', 'dialing_a'],
    ]);
    expect(changes.map((change) => change.to)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'completed']);
  });

  it('writes a simultaneous order claimed into dialing_both, the state the runner starts from', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    expect(request).toMatchObject({ state: 'dialing_both', attempts: 1, claimedBy: 'engine-test' });
    expect(await r.finish(request.id)).toMatchObject({ state: 'completed', attempts: 1 });
  });

  it('inserts an order not due yet, or one that finds no free place, waiting, and the queue dials it once', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    const later = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, dueAt: r.clock.now() + MINUTE });
    expect(later.request).toMatchObject({ state: 'queued', attempts: 0, claimedBy: null, version: 0 });
    expect(await r.finish(later.request.id)).toMatchObject({ state: 'completed', attempts: 1 });

    expect(takeEveryPlace(r)).toBe(PLACES);
    const full = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    expect(full.request).toMatchObject({ state: 'queued', attempts: 0, claimedBy: null });
    expect(await r.finish(full.request.id)).toMatchObject({ state: 'completed', attempts: 1 });
    for (const request of [later.request, full.request]) {
      expect((await r.store.legs.listForRequest(request.id)).map((leg) => [leg.role, leg.attempt])).toEqual([
        ['A', 1],
        ['B', 1],
      ]);
    }
  });

  it("hands the order's slot in the turn's budget to the dial it starts at once; a queued order's dial takes its own", async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });
    // Watched, not replaced: the budget runs as it does in production.
    const slots = jest.spyOn(TurnBudget.prototype, 'slot');
    const newWorkSlots = (): number => slots.mock.calls.filter(([kind]: [TaskKind?]) => (kind ?? 'new') === 'new').length;
    try {
      const now = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
      expect(now.request).toMatchObject({ state: 'dialing_a', claimedBy: 'engine-test' });
      expect(await r.finish(now.request.id)).toMatchObject({ state: 'completed', attempts: 1 });
      expect(newWorkSlots()).toBe(1);

      const later = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, dueAt: r.clock.now() + MINUTE });
      expect(later.request).toMatchObject({ state: 'queued', claimedBy: null });
      expect(await r.finish(later.request.id)).toMatchObject({ state: 'completed', attempts: 1 });
      expect(newWorkSlots()).toBe(3);
    } finally {
      slots.mockRestore();
    }
  });

  it('dials an idempotency key used again, one after the other or at once, only once, and gives the repeat its place back', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });
    const order = (idempotencyKey: string) => r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, idempotencyKey });

    const first = await order('again');
    const repeat = await order('again');
    const racing = await Promise.all([order('at-once'), order('at-once')]);
    expect([first.created, repeat.created]).toEqual([true, false]);
    expect(repeat.request.id).toBe(first.request.id);
    expect(racing.map((result) => result.created).sort()).toEqual([false, true]);
    expect(racing[0].request.id).toBe(racing[1].request.id);

    for (const id of [first.request.id, racing[0].request.id]) {
      expect(await r.finish(id)).toMatchObject({ state: 'completed', attempts: 1 });
      expect((await r.store.legs.listForRequest(id)).map((leg) => leg.role)).toEqual(['A', 'B']);
    }
    expect(r.requests.filter((change) => change.event === 'due').map((change) => change.requestId).sort()).toEqual([first.request.id, racing[0].request.id].sort());
    // A repeat held nothing: its row and holds were one transaction, which the used key failed.
    expect(await getDb()('reservations').where({ account_id: account.id }).whereNotIn('request_id', [first.request.id, racing[0].request.id]).count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 0 });
    // Every place is free again: the repeats kept none.
    expect(takeEveryPlace(r)).toBe(PLACES);
  });

  it("writes the order's row with its first holds: a hold refused writes the row alone, and the request fails as refused, audited", async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const broke = await r.account(0);

    const { request, created } = await r.engine.order({ accountId: broke.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    expect(created).toBe(true);
    expect(await r.store.callbackRequests.findById(request.id)).toMatchObject({ state: 'dialing_both', attempts: 1, claimedBy: 'engine-test' });
    expect(await r.finish(request.id)).toMatchObject({ state: 'failed', lastCause: 'insufficient_funds', attempts: 1 });
    expect(await r.store.legs.listForRequest(request.id)).toEqual([]);
    expect(await getDb()('reservations').where({ request_id: request.id }).count({ n: '*' })).toEqual([{ n: 0 }]);
    const audit = await r.store.auditLog.list({ accountId: broke.id, kind: 'refused' });
    expect(audit.map((entry) => [entry.requestId, entry.reason])).toEqual([[request.id, 'insufficient_funds']]);
    // What clients (and webhooks) are told is unchanged: ordered, due, refused.
    expect(r.requests.filter((change) => change.requestId === request.id).map((change) => [change.event, change.to])).toEqual([
      ['ordered', 'queued'],
      ['refused', 'failed'],
    ]);
  });

  it('fails an order at once, with nothing written, when the database goes away while its prices are read: its client is waiting, the next order goes through', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    const away = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    const outage = jest.spyOn(CachedPrices.prototype, 'sellRate').mockRejectedValueOnce(away);
    // Waiting the outage out waits on the rig's clock, which does not move here: the order would
    // stay pending (the clock is then moved on, so that it ends and the rig can stop).
    let outcome: unknown = 'pending';
    const order = r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' }).then(
      () => (outcome = 'answered'),
      (error: unknown) => (outcome = error),
    );
    for (let polls = 0; polls < 1_500 && outcome === 'pending'; polls += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    outage.mockRestore();
    if (outcome === 'pending') {
      await r.clock.advance(60_000);
      await order;
    }
    expect(outcome).toBe(away);
    expect(await getDb()('callback_requests').where({ account_id: account.id }).count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await getDb()('reservations').where({ account_id: account.id }).count({ n: '*' })).toEqual([{ n: 0 }]);

    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    expect(await r.finish(request.id)).toMatchObject({ state: 'completed', attempts: 1 });
  }, 60_000);

  it('refuses for its funds before its limit of calls in progress (A5), and lets the holds go when the limit refuses', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const broke = await r.account(0, { maxConcurrentCallbacks: 1 });
    const funded = await r.account(100_000, { maxConcurrentCallbacks: 1 });
    // Each has its one call in progress: a request with a leg for its attempt, of a controller alive elsewhere.
    for (const account of [broke, funded]) {
      const source = uniqueNumber();
      const { request } = await r.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source, state: 'bridged', claimedFor: { instanceId: 'elsewhere', leaseUntil: r.clock.now() + 60 * MINUTE } });
      await r.store.legs.create({ uuid: randomUUID(), requestId: request.id, role: 'A', attempt: 1, number: source, state: 'bridged' });
    }

    const poor = await r.engine.order({ accountId: broke.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    const limited = await r.engine.order({ accountId: funded.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    expect(await r.finish(poor.request.id)).toMatchObject({ state: 'failed', lastCause: 'insufficient_funds' });
    expect(await r.finish(limited.request.id)).toMatchObject({ state: 'failed', lastCause: 'too_many_concurrent' });
    // Held with the row, released once refused.
    expect(await getDb()('reservations').where({ request_id: limited.request.id }).pluck('state')).toEqual(['released', 'released']);
    expect(await r.store.accounts.balance(funded.id)).toMatchObject({ balanceMinor: 100_000, reservedMinor: 0 });
  });

  it("leaves an order whose row and holds committed but whose answer was lost to its recovery: dialed once, the lost holds released", async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });
    const prepare = AttemptMoney.prototype.prepare;
    const lost = jest.spyOn(AttemptMoney.prototype, 'prepare').mockImplementationOnce(async function (this: AttemptMoney, ...args) {
      await prepare.apply(this, args);
      throw new Error('the connection went away before the answer came');
    });
    try {
      await expect(r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' })).rejects.toThrow('went away');
    } finally {
      lost.mockRestore();
    }
    const [row] = await getDb()('callback_requests').where({ account_id: account.id }).select('id');
    const id = (row as { id: string }).id;
    const lostHolds = await r.store.reservations.listHeld({ requestId: id });
    expect(lostHolds).toHaveLength(2);
    expect(await r.store.callbackRequests.findById(id)).toMatchObject({ state: 'dialing_both', claimedBy: 'engine-test' });

    expect(await r.finish(id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect((await r.store.legs.listForRequest(id)).map((leg) => [leg.role, leg.attempt]).sort()).toEqual([
      ['A', 1],
      ['B', 1],
    ]);
    expect(await getDb()('reservations').whereIn('id', lostHolds.map((hold) => hold.id)).pluck('state')).toEqual(['released', 'released']);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 0 });
  });

  it('dials exactly once, through the sweep’s recovery, an order whose controller died between its insert and its originate', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });
    // A controller whose order commits its claimed row, and which dies before it dials.
    const dying = await offlineEngine({
      db: getDb(),
      store: r.store,
      clock: r.clock,
      logger: r.logger,
      instanceId: 'dead-controller',
      dialAtOnce: () => ({ claim: { instanceId: 'dead-controller', leaseUntil: r.clock.now() + MINUTE }, dial: () => undefined, release: () => undefined }),
    });

    const { request } = await dying.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    expect(request).toMatchObject({ state: 'dialing_a', attempts: 1, claimedBy: 'dead-controller' });
    expect(dying.scheduled).toEqual([]);
    // Its row committed with A's setup hold, which the recovery releases (nothing was dialed for it).
    const [deadHold] = await r.store.reservations.listHeld({ requestId: request.id });
    expect(deadHold).toBeDefined();
    // Its lease keeps every sweep off it until it runs out.
    await r.runUntil(() => r.clock.now() >= request.leaseUntil! - 1_000, 'the lease nearly out');
    expect(await r.store.callbackRequests.findById(request.id)).toMatchObject({ state: 'dialing_a', claimedBy: 'dead-controller' });

    expect(await r.finish(request.id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect((await r.store.legs.listForRequest(request.id)).map((leg) => [leg.role, leg.attempt])).toEqual([
      ['A', 1],
      ['B', 1],
    ]);
    expect(r.requests.filter((change) => change.requestId === request.id).map((change) => [change.event, change.to]).slice(0, 2)).toEqual([
      ['recovered', 'retry_scheduled'],
      ['due', 'dialing_a'],
    ]);
    expect(await getDb()('reservations').where({ id: deadHold!.id }).pluck('state')).toEqual(['released']);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 0 });
  });
});
