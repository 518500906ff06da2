import { randomUUID } from 'node:crypto';
import { InvalidOrder } from '../../../lib/callback/engine';
import type { LegEnd } from '../../../lib/callback/engine/leg-events';
import { settleLeg } from '../../../lib/callback/engine/settlement';
import { minorUnits } from '../../../lib/domain/money';
import { describeEachDatabase } from '../../support/databases';
import { offlineEngineContext } from '../../support/offline-engine-context';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

const HOUR = 3_600_000;

describeEachDatabase('callback engine, request lifecycle', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('validates orders and takes one per idempotency key', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    await expect(r.engine.order({ accountId: account.id, source: '12', destination: DESTINATION })).rejects.toThrow(InvalidOrder);
    await expect(r.engine.order({ accountId: account.id, source: SOURCE, destination: null, mode: 'simultaneous' })).rejects.toThrow(/simultaneous/);
    await expect(r.engine.order({ accountId: 999_999, source: SOURCE, destination: DESTINATION })).rejects.toThrow(/does not exist/);

    const dueAt = r.clock.now() + HOUR;
    // National numbers are read in the account's country.
    const first = await r.engine.order({ accountId: account.id, source: '(202) 555-0101', destination: DESTINATION, dueAt, idempotencyKey: 'k-1' });
    const again = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, dueAt, idempotencyKey: 'k-1' });
    expect(first).toMatchObject({ created: true, request: { source: SOURCE, state: 'queued', maxAttempts: 3 } });
    expect(again).toMatchObject({ created: false, request: { id: first.request.id } });
    expect(await r.scheduler.counts()).toMatchObject({ delayed: 1 });
  });

  it('cancels a scheduled request before it is dialed', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, dueAt: r.clock.now() + 60_000 });

    expect(await r.engine.cancel(request.id)).toBe(true);
    await r.runUntil(() => r.clock.now() > request.dueAt + 30_000, 'past the due time');

    expect(await r.store.callbackRequests.findById(request.id)).toMatchObject({ state: 'cancelled', lastCause: 'CANCELLED' });
    expect(await r.store.legs.listForRequest(request.id)).toEqual([]);
    expect(await r.engine.cancel(request.id)).toBe(false);
  });

  it('cancels a request whose A is ringing: A is cancelled and booked', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'no-answer' });
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(() => r.legs.some((c) => c.role === 'A' && c.status === 'ringing'), 'A ringing');

    expect(await r.engine.cancel(request.id)).toBe(true);
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'cancelled', attempts: 1 });
    const [a] = await r.store.legs.listForRequest(request.id);
    expect(a).toMatchObject({ state: 'cancelled', hangupCause: 'ORIGINATOR_CANCEL', costMinor: 0 });
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000, reservedMinor: 0 });
  });

  it('refuses, with an audit line, a request due while its account has its maximum of calls in progress (A5)', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    // The account allows one callback at a time (the system setting allows two).
    const account = await r.account(1_000);
    await r.store.accounts.update(account.id, { maxConcurrentCallbacks: 1 });
    const [source2, destination2] = ['+12025550103', '+12025550204'] as const;
    for (const number of [SOURCE, source2]) r.sim.setPhone(number, { kind: 'answer' });
    for (const number of [DESTINATION, destination2]) r.sim.setPhone(number, { kind: 'answer', hangupAfterMs: 20_000 });

    // Both due at once: the first claimed goes ahead, the other finds it in progress.
    const first = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const second = await r.engine.order({ accountId: account.id, source: source2, destination: destination2 });
    const ends = [await r.finish(first.request.id), await r.finish(second.request.id)];

    expect(ends.map((request) => [request.state, request.lastCause]).sort()).toEqual([
      ['completed', 'NORMAL_CLEARING'],
      ['failed', 'too_many_concurrent'],
    ]);
    const refused = ends.find((request) => request.state === 'failed')!;
    expect(await r.store.legs.listForRequest(refused.id)).toEqual([]);
    // Priced and held before the check, and let go.
    expect(await r.store.reservations.listHeld({ requestId: refused.id })).toEqual([]);
    const audit = await r.store.auditLog.list({ accountId: account.id, kind: 'refused' });
    expect(audit.map((entry) => [entry.requestId, entry.reason, entry.details])).toEqual([
      [refused.id, 'too_many_concurrent', { destination: refused.destination, inProgress: 1, max: 1 }],
    ]);

    // Only calls in progress count: with the first one over, the next goes ahead.
    const third = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    expect(await r.finish(third.request.id)).toMatchObject({ state: 'completed' });
  });

  it('recovers a request whose controller died mid-talk: ends it, books its legs from estimates, frees its holds', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    const { request } = await r.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: SOURCE, destination: DESTINATION, state: 'bridged', data: { talked: true } });
    const [a, b] = [randomUUID(), randomUUID()];
    const answeredAt = r.clock.now() - 90_000;
    for (const [uuid, role, number] of [[a, 'A', SOURCE], [b, 'B', DESTINATION]] as const) {
      await r.store.legs.create({ uuid, requestId: request.id, role, number, state: 'bridged' });
      await r.store.legs.update(uuid, { answeredAt });
    }
    await r.store.reservations.reserve(account.id, minorUnits(7), { requestId: request.id, legUuid: b });

    await r.engine.recover(request);

    expect(await r.store.callbackRequests.findById(request.id)).toMatchObject({ state: 'completed', lastCause: 'CONTROLLER_LOST' });
    const cdrs = await r.store.cdrs.listForRequest(request.id);
    expect(cdrs.map((cdr) => [cdr.legUuid, cdr.billsec, cdr.costMinor, cdr.raw?.reported]).sort()).toEqual(
      [
        [a, 90, 2, false],
        [b, 90, 2, false],
      ].sort(),
    );
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 996, reservedMinor: 0 });
  });
});

describeEachDatabase('callback engine, settlement', (getDb) => {
  it('books a leg once: settling it again writes nothing and moves no money', async () => {
    const db = getDb();
    const ctx = offlineEngineContext(db, 'settle-test');
    const account = await ctx.store.accounts.create({ name: `settle-${randomUUID().slice(0, 8)}`, currency: 'USD' });
    await ctx.store.payments.record({ accountId: account.id, amountMinor: minorUnits(100), currency: 'USD', method: 'test' });
    const tariff = await ctx.store.tariffs.createTariff({ name: `t-${randomUUID().slice(0, 8)}`, currency: 'USD', kind: 'retail' });
    await ctx.store.tariffs.importRates(tariff.id, [{ prefix: '1', ratePerMinute: 10_000 }]);
    const rate = (await ctx.store.tariffs.findRateByLongestPrefix(tariff.id, DESTINATION))!;
    const { request } = await ctx.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: SOURCE, destination: DESTINATION });
    const legUuid = randomUUID();
    await ctx.store.legs.create({ uuid: legUuid, requestId: request.id, role: 'B', number: DESTINATION, state: 'bridged' });
    const hold = await ctx.store.reservations.reserve(account.id, minorUnits(5), { requestId: request.id, legUuid });
    const now = ctx.clock.now();
    const end: LegEnd = { cause: 'NORMAL_CLEARING', billsec: 61, startedAt: now - 70_000, answeredAt: now - 61_000, endedAt: now, reported: true };
    const input = {
      requestId: request.id,
      legUuid,
      role: 'B' as const,
      attempt: 1,
      number: DESTINATION,
      pricing: { rate, payer: { kind: 'account' as const, accountId: account.id } },
      hold: { legUuid, reservationId: hold!.id, accountId: account.id, amount: hold!.amountMinor },
      state: 'bridged' as const,
      createdAt: now - 70_000,
      end,
      carrierId: null,
    };

    expect(await settleLeg(ctx, input)).toEqual({ state: 'completed', costMinor: 2, written: true });
    expect(await settleLeg(ctx, input)).toEqual({ state: 'completed', costMinor: 2, written: false });

    expect(await ctx.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 98, reservedMinor: 0 });
    expect(await ctx.store.cdrs.listForRequest(request.id)).toHaveLength(1);
    expect(await ctx.store.legs.findByUuid(legUuid)).toMatchObject({ state: 'completed', billsec: 61, costMinor: 2, hangupCause: 'NORMAL_CLEARING' });
  });
});
