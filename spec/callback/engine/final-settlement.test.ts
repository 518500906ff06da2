import { randomUUID } from 'node:crypto';
import type { EngineContext } from '../../../lib/callback/engine/context';
import { FinalSettlement } from '../../../lib/callback/engine/final-settlement';
import { LiveLeg } from '../../../lib/callback/engine/live-leg';
import { minorUnits } from '../../../lib/domain/money';
import type { CallbackRequest, Store } from '../../../lib/store';
import { describeEachDatabase } from '../../support/databases';
import { offlineEngineContext } from '../../support/offline-engine-context';
import { DESTINATION, SOURCE } from '../../support/engine-harness';

const TALK_MS = 61_000;

/*
 * The request's last transaction (issue #20): the legs that end with the request settled with its
 * final move, on the real store. The legs are adopted as gone, so each ends at once with an
 * estimate of a 61 s talk (answered 61 s before the clock), rated at 1 minor unit a minute.
 */
describeEachDatabase('callback engine, legs settled with the final move', (getDb) => {
  let ctx: EngineContext;
  let accountId: number;
  let request: CallbackRequest;
  let legs: LiveLeg[];

  beforeEach(async () => {
    ctx = offlineEngineContext(getDb(), 'final-settlement-test');
    const account = await ctx.store.accounts.create({ name: `final-${randomUUID().slice(0, 8)}`, currency: 'USD' });
    accountId = account.id;
    await ctx.store.payments.record({ accountId, amountMinor: minorUnits(100), currency: 'USD', method: 'test' });
    const tariff = await ctx.store.tariffs.createTariff({ name: `t-${randomUUID().slice(0, 8)}`, currency: 'USD', kind: 'retail' });
    await ctx.store.tariffs.importRates(tariff.id, [{ prefix: '1', ratePerMinute: 10_000 }]);
    const rate = (await ctx.store.tariffs.findRateByLongestPrefix(tariff.id, DESTINATION))!;
    ({ request } = await ctx.store.callbackRequests.create({ accountId, trigger: 'api', source: SOURCE, destination: DESTINATION, state: 'bridged' }));
    const now = ctx.clock.now();
    legs = [];
    for (const role of ['A', 'B'] as const) {
      const uuid = randomUUID();
      const row = await ctx.store.legs.create({ uuid, requestId: request.id, role, number: role === 'A' ? SOURCE : DESTINATION, state: 'bridged' });
      await ctx.store.legs.update(uuid, { answeredAt: now - TALK_MS });
      const hold = (await ctx.store.reservations.reserve(accountId, minorUnits(5), { requestId: request.id, legUuid: uuid }))!;
      legs.push(
        LiveLeg.adopt(ctx, { ...row, answeredAt: now - TALK_MS }, {
          pricing: { rate, payer: { kind: 'account', accountId } },
          hold: { legUuid: uuid, reservationId: hold.id, accountId, amount: hold.amountMinor },
          gone: true,
          goneBy: now,
        }),
      );
    }
  });

  const toCompleted = (store: Store): Promise<boolean> => store.callbackRequests.transition(request.id, 'bridged', 'completed', { release: true });

  async function booked(): Promise<{ state: string | undefined; cdrs: number; balanceMinor: number | undefined; reservedMinor: number | undefined }> {
    const [row, cdrs, balance] = await Promise.all([ctx.store.callbackRequests.findById(request.id), ctx.store.cdrs.listForRequest(request.id), ctx.store.accounts.balance(accountId)]);
    return { state: row?.state, cdrs: cdrs.length, balanceMinor: balance?.balanceMinor, reservedMinor: balance?.reservedMinor };
  }

  it('books both legs and the final move in one transaction; the legs answer that settlement, once', async () => {
    const ending = new FinalSettlement(ctx, () => ctx.logger);
    expect(legs.map((leg) => ending.take(leg))).toEqual([true, true]);
    expect(await ending.writeWith('final move', toCompleted)).toBe(true);
    expect(await booked()).toEqual({ state: 'completed', cdrs: 2, balanceMinor: 96, reservedMinor: 0 });
    expect(await Promise.all(legs.map((leg) => leg.settle()))).toEqual([
      { state: 'completed', costMinor: 2, written: true },
      { state: 'completed', costMinor: 2, written: true },
    ]);
    // Taken once: a later final decision settles them no more.
    expect(new FinalSettlement(ctx, () => ctx.logger).take(legs[0]!)).toBe(false);
  });

  it('commits the settlements when the move loses: the legs are owed all the same', async () => {
    await ctx.store.callbackRequests.transition(request.id, 'bridged', 'cancelled', { release: true });
    const ending = new FinalSettlement(ctx, () => ctx.logger);
    for (const leg of legs) ending.take(leg);
    expect(await ending.writeWith('final move', toCompleted)).toBe(false);
    expect(await booked()).toEqual({ state: 'cancelled', cdrs: 2, balanceMinor: 96, reservedMinor: 0 });
  });

  it('leaves out a leg whose settlement began, and writes the move alone when it took none', async () => {
    const alone = legs[0]!.settle();
    const ending = new FinalSettlement(ctx, () => ctx.logger);
    expect(legs.map((leg) => ending.take(leg))).toEqual([false, true]);
    expect(await ending.writeWith('final move', toCompleted)).toBe(true);
    expect((await alone).written).toBe(true);
    expect(await booked()).toEqual({ state: 'completed', cdrs: 2, balanceMinor: 96, reservedMinor: 0 });
    expect(await new FinalSettlement(ctx, () => ctx.logger).writeWith('nothing taken', () => Promise.resolve(true))).toBe(true);
  });

  it('a unit that fails for another reason than an outage: rolled back whole, then each leg settled on its own and the move after them', async () => {
    const ending = new FinalSettlement(ctx, () => ctx.logger);
    for (const leg of legs) ending.take(leg);
    let moves = 0;
    const failingOnce = async (store: Store): Promise<boolean> => {
      moves += 1;
      if (moves === 1) {
        // Both legs were booked in the unit before its move; the failure takes them back with it.
        expect(await store.cdrs.listForRequest(request.id)).toHaveLength(2);
        throw new Error('a bug in the move');
      }
      return toCompleted(store);
    };
    expect(await ending.writeWith('final move', failingOnce)).toBe(true);
    expect(moves).toBe(2);
    expect(await booked()).toEqual({ state: 'completed', cdrs: 2, balanceMinor: 96, reservedMinor: 0 });
    // Written by their own transactions: the unit's bookings were rolled back, or these would have found their CDRs.
    expect((await Promise.all(legs.map((leg) => leg.settle()))).map((settled) => settled.written)).toEqual([true, true]);
  });
});
