import { randomUUID } from 'node:crypto';
import { minorUnits } from '../../lib/domain/money';
import { createStore, inTransaction, InvalidStoreInput, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance, uniqueNumber } from './fixtures';

describeEachDatabase('reservations and balance', (getDb) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  async function balanceOf(accountId: number) {
    const balance = await store.accounts.balance(accountId);
    if (!balance) throw new Error('no such account');
    return balance;
  }

  it('holds money, then settles the actual cost and frees the hold', async () => {
    const account = await accountWithBalance(store, 1000);
    const reservation = await store.reservations.reserve(account.id, minorUnits(300), { legUuid: '0b6f0d5e-2f61-4d2c-9a55-6b7c1d2e3f40' });
    expect(reservation).toMatchObject({ accountId: account.id, amountMinor: 300, state: 'held', settledMinor: null });
    // Built from what the hold wrote, not read back: it must be the row.
    expect(await store.reservations.findById(reservation!.id)).toEqual(reservation);
    expect(await balanceOf(account.id)).toEqual({ balanceMinor: 1000, creditLimitMinor: 0, reservedMinor: 300, availableMinor: 700 });

    expect(await store.reservations.settle(reservation!.id, minorUnits(120))).toBe(true);
    expect(await balanceOf(account.id)).toEqual({ balanceMinor: 880, creditLimitMinor: 0, reservedMinor: 0, availableMinor: 880 });
    expect(await store.reservations.findById(reservation!.id)).toMatchObject({ state: 'settled', settledMinor: 120 });

    // A replayed settle or a late release changes nothing.
    expect(await store.reservations.settle(reservation!.id, minorUnits(120))).toBe(false);
    expect(await store.reservations.release(reservation!.id)).toBe(false);
    expect((await balanceOf(account.id)).balanceMinor).toBe(880);
  });

  it('settles a hold known to its writer without reading it, and only as the row has it', async () => {
    const account = await accountWithBalance(store, 1000);
    const other = await accountWithBalance(store, 1000);
    const reservation = (await store.reservations.reserve(account.id, minorUnits(300)))!;
    const known = { amountMinor: reservation.amountMinor, owner: { accountId: account.id } };
    // Known wrong (another owner, another amount): the row decides, as without it.
    expect(await store.reservations.settle(reservation.id, minorUnits(100), { amountMinor: minorUnits(300), owner: { accountId: other.id } })).toBe(true);
    expect(await balanceOf(account.id)).toMatchObject({ balanceMinor: 900, reservedMinor: 0 });
    expect(await balanceOf(other.id)).toMatchObject({ balanceMinor: 1000, reservedMinor: 0 });
    expect(await store.reservations.settle(reservation.id, minorUnits(100), known)).toBe(false);

    const second = (await store.reservations.reserve(account.id, minorUnits(200)))!;
    expect(await store.reservations.release(second.id, { amountMinor: minorUnits(999), owner: { accountId: account.id } })).toBe(true);
    const third = (await store.reservations.reserve(account.id, minorUnits(200)))!;
    expect(await store.reservations.settle(third.id, minorUnits(50), { amountMinor: third.amountMinor, owner: { accountId: account.id } })).toBe(true);
    expect(await store.reservations.release(third.id, { amountMinor: third.amountMinor, owner: { accountId: account.id } })).toBe(false);
    expect(await balanceOf(account.id)).toMatchObject({ balanceMinor: 850, reservedMinor: 0 });
    expect(await store.reservations.findById(third.id)).toMatchObject({ state: 'settled', settledMinor: 50 });
  });

  it('moves a held reservation to another leg, and not one that is over, nor to something that is not a uuid', async () => {
    const account = await accountWithBalance(store, 1000);
    const [first, next] = [randomUUID(), randomUUID()];
    const reservation = (await store.reservations.reserve(account.id, minorUnits(300), { legUuid: first }))!;
    expect(await store.reservations.moveToLeg(reservation.id, next)).toBe(true);
    expect(await store.reservations.findById(reservation.id)).toMatchObject({ legUuid: next, state: 'held', amountMinor: 300 });
    await expect(store.reservations.moveToLeg(reservation.id, 'not-a-uuid')).rejects.toThrow(InvalidStoreInput);
    await store.reservations.release(reservation.id);
    expect(await store.reservations.moveToLeg(reservation.id, first)).toBe(false);
    expect(await store.reservations.findById(reservation.id)).toMatchObject({ legUuid: next, state: 'released' });
  });

  it('releases a hold without charging', async () => {
    const account = await accountWithBalance(store, 500);
    const { request } = await store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: uniqueNumber() });
    const reservation = await store.reservations.reserve(account.id, minorUnits(400), { requestId: request.id });
    const other = await store.reservations.reserve(account.id, minorUnits(100));
    expect(await store.reservations.listHeld({ accountId: account.id })).toHaveLength(2);
    expect(await store.reservations.listHeld({ requestId: request.id })).toEqual([reservation]);
    expect(await store.reservations.release(other!.id)).toBe(true);
    expect(await store.reservations.release(reservation!.id)).toBe(true);
    expect(await balanceOf(account.id)).toMatchObject({ balanceMinor: 500, reservedMinor: 0 });
    expect(await store.reservations.listHeld({ accountId: account.id })).toEqual([]);
  });

  it('refuses a hold beyond balance + credit limit − held', async () => {
    const account = await accountWithBalance(store, 100, { creditLimitMinor: minorUnits(50) });
    expect(await store.reservations.reserve(account.id, minorUnits(151))).toBeNull();
    expect(await store.reservations.reserve(account.id, minorUnits(150))).not.toBeNull();
    expect(await store.reservations.reserve(account.id, minorUnits(1))).toBeNull();
    expect(await balanceOf(account.id)).toMatchObject({ reservedMinor: 150, availableMinor: 0 });
    await expect(store.reservations.reserve(account.id, minorUnits(0))).rejects.toThrow(InvalidStoreInput);
    expect(await store.reservations.reserve(999_999, minorUnits(1))).toBeNull();
  });

  it('never overruns the balance under 20 concurrent reservations', async () => {
    const account = await accountWithBalance(store, 1000);
    const attempts = await Promise.all(Array.from({ length: 20 }, () => store.reservations.reserve(account.id, minorUnits(70))));
    const granted = attempts.filter((reservation) => reservation !== null);
    expect(granted).toHaveLength(14); // 14 × 70 = 980 ≤ 1000 < 15 × 70
    const balance = await balanceOf(account.id);
    expect(balance.reservedMinor).toBe(980);
    expect(balance.availableMinor).toBeGreaterThanOrEqual(0);
    expect(await store.reservations.listHeld({ accountId: account.id })).toHaveLength(14);

    // Settling them all at once keeps the books straight too.
    await Promise.all(granted.map((reservation) => store.reservations.settle(reservation!.id, minorUnits(50))));
    expect(await balanceOf(account.id)).toMatchObject({ balanceMinor: 1000 - 14 * 50, reservedMinor: 0 });
  });

  it('settles many legs of one account at once, each with its CDR in the same transaction, without a deadlock', async () => {
    const account = await accountWithBalance(store, 10_000);
    const { request } = await store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: uniqueNumber() });
    for (let round = 0; round < 5; round++) {
      const legs = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const legUuid = randomUUID();
          await store.legs.create({ uuid: legUuid, requestId: request.id, role: 'B', number: uniqueNumber(), state: 'bridged' });
          return { legUuid, hold: (await store.reservations.reserve(account.id, minorUnits(5), { requestId: request.id, legUuid }))! };
        }),
      );
      // The engine's settlement: CDR, then the charge against the hold, then the leg row. No retry
      // here: a deadlock victim would fail the test.
      await Promise.all(
        legs.map(({ legUuid, hold }) =>
          inTransaction(getDb(), async (tx) => {
            await tx.cdrs.insert({ legUuid, requestId: request.id, accountId: account.id, direction: 'outbound', number: '+12025550202', startedAt: 1, answeredAt: 1, endedAt: 2, billsec: 1, hangupCause: 'NORMAL_CLEARING', costMinor: minorUnits(2), ratePrefix: '1', raw: null, source: 'socket' });
            expect(await tx.reservations.settle(hold.id, minorUnits(2))).toBe(true);
            await tx.legs.update(legUuid, { state: 'completed' });
          }),
        ),
      );
    }
    expect(await balanceOf(account.id)).toMatchObject({ balanceMinor: 10_000 - 30 * 2, reservedMinor: 0 });
  });

  it('settles known holds, each raced by a second close, while new holds of the same account are made: no deadlock, each hold closed once', async () => {
    const account = await accountWithBalance(store, 10_000);
    const { request } = await store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: uniqueNumber() });
    const hold = async () => (await store.reservations.reserve(account.id, minorUnits(5), { requestId: request.id, legUuid: randomUUID() }))!;
    let open = await Promise.all(Array.from({ length: 6 }, hold));
    let settled = 0;
    for (let round = 0; round < 5; round++) {
      // No retry anywhere: a deadlock victim would fail the test.
      const [closes, next] = await Promise.all([
        Promise.all(
          open.map((reservation) => {
            const known = { amountMinor: reservation.amountMinor, owner: { accountId: account.id } };
            const settlement = inTransaction(getDb(), async (tx) => {
              await tx.cdrs.insert({ legUuid: reservation.legUuid!, requestId: request.id, accountId: account.id, direction: 'outbound', number: '+12025550202', startedAt: 1, answeredAt: 1, endedAt: 2, billsec: 1, hangupCause: 'NORMAL_CLEARING', costMinor: minorUnits(2), ratePrefix: '1', raw: null, source: 'socket' });
              return tx.reservations.settle(reservation.id, minorUnits(2), known);
            });
            const release = inTransaction(getDb(), (tx) => tx.reservations.release(reservation.id, known));
            return Promise.all([settlement, release]);
          }),
        ),
        Promise.all(Array.from({ length: 6 }, hold)),
      ]);
      for (const outcomes of closes) expect(outcomes.filter(Boolean)).toHaveLength(1);
      settled += closes.filter(([bySettlement]) => bySettlement).length;
      open = next;
    }
    expect(await store.reservations.listHeld({ requestId: request.id })).toHaveLength(6);
    // Whichever close won a hold: a settlement took 2, a release nothing, and the loser gave back what it took.
    expect(await balanceOf(account.id)).toMatchObject({ balanceMinor: 10_000 - settled * 2, reservedMinor: 6 * 5 });
  });

  it('stays consistent when concurrent settles race for the same reservation', async () => {
    const account = await accountWithBalance(store, 1000);
    const reservation = await store.reservations.reserve(account.id, minorUnits(200));
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.reservations.settle(reservation!.id, minorUnits(150))));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await balanceOf(account.id)).toMatchObject({ balanceMinor: 850, reservedMinor: 0 });
  });
});
