import fc from 'fast-check';
import { minorUnits } from '../../lib/domain/money';
import { cardAvailableMinor, createStore, InvalidStoreInput, type CallingCard, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { cardWithBalance } from './fixtures';

describeEachDatabase('calling card holds (A4, B3)', (getDb) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  const card = (balance: number): Promise<CallingCard> => cardWithBalance(store, balance);

  async function reload(id: number): Promise<CallingCard> {
    const found = await store.cards.findById(id);
    if (!found) throw new Error(`card ${id} vanished`);
    return found;
  }

  it('concurrent holds on one card never exceed its balance, and settling them all never takes it below zero', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(400),
        fc.array(fc.record({ amount: fc.integer({ min: 1, max: 150 }), costFactor: fc.integer({ min: 0, max: 200 }) }), { minLength: 1, maxLength: 12 }),
        async (balance, calls) => {
          const { id } = await card(balance);
          const holds = await Promise.all(calls.map(({ amount }) => store.reservations.reserveFor({ cardId: id }, minorUnits(amount))));
          const granted = holds.flatMap((hold, index) => (hold ? [{ hold, call: calls[index]! }] : []));
          const heldSum = granted.reduce((sum, { hold }) => sum + hold.amountMinor, 0);
          const held = await reload(id);
          expect(heldSum).toBeLessThanOrEqual(balance);
          expect(held).toMatchObject({ balanceMinor: balance, reservedMinor: heldSum });
          // Available only shrank while they raced, so every refused hold is more than is left now.
          for (const [index, hold] of holds.entries()) if (!hold) expect(calls[index]!.amount).toBeGreaterThan(cardAvailableMinor(held));
          expect(await store.reservations.listHeld({ cardId: id })).toHaveLength(granted.length);

          // Costs from 0 to twice the hold, settled all at once: the card pays at most what it has.
          const costs = granted.map(({ hold, call }) => Math.floor((hold.amountMinor * call.costFactor) / 100));
          const settled = await Promise.all(granted.map(({ hold }, index) => store.reservations.settle(hold.id, minorUnits(costs[index]!))));
          expect(settled.every(Boolean)).toBe(true);
          const charged = await Promise.all(granted.map(async ({ hold }) => (await store.reservations.findById(hold.id))!.settledMinor!));
          const after = await reload(id);
          expect(after.reservedMinor).toBe(0);
          expect(after.balanceMinor).toBeGreaterThanOrEqual(0);
          expect(after.balanceMinor).toBe(balance - charged.reduce((sum, amount) => sum + amount, 0));
          // A cost within its hold is always charged in full.
          for (const [index, { hold }] of granted.entries()) {
            expect(charged[index]).toBeLessThanOrEqual(costs[index]!);
            if (costs[index]! <= hold.amountMinor) expect(charged[index]).toBe(costs[index]);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a card hold releases without charging, and a replayed settle or release moves no money', async () => {
    const { id } = await card(500);
    const hold = await store.reservations.reserveFor({ cardId: id }, minorUnits(300), { legUuid: '2f1c3a4b-5d6e-4f70-8a91-b2c3d4e5f607' });
    expect(hold).toMatchObject({ cardId: id, accountId: null, amountMinor: 300, state: 'held' });
    expect(await reload(id)).toMatchObject({ balanceMinor: 500, reservedMinor: 300 });
    expect(await store.reservations.reserveFor({ cardId: id }, minorUnits(201))).toBeNull();

    expect(await store.reservations.release(hold!.id)).toBe(true);
    expect(await store.reservations.settle(hold!.id, minorUnits(100))).toBe(false);
    expect(await store.reservations.release(hold!.id)).toBe(false);
    expect(await reload(id)).toMatchObject({ balanceMinor: 500, reservedMinor: 0 });
    expect(await store.reservations.listHeld({ cardId: id })).toEqual([]);
  });

  it('settling a card hold above its amount never spends money another call holds on the card', async () => {
    const { id } = await card(100);
    const first = await store.reservations.reserveFor({ cardId: id }, minorUnits(40));
    const second = await store.reservations.reserveFor({ cardId: id }, minorUnits(50));
    // 10 free beyond both holds: the first leg's 70 is charged 40 + 10, the rest is not the card's to pay.
    expect(await store.reservations.settle(first!.id, minorUnits(70))).toBe(true);
    expect(await store.reservations.findById(first!.id)).toMatchObject({ state: 'settled', settledMinor: 50 });
    expect(await reload(id)).toMatchObject({ balanceMinor: 50, reservedMinor: 50 });
    expect(await store.reservations.settle(second!.id, minorUnits(50))).toBe(true);
    expect(await reload(id)).toMatchObject({ balanceMinor: 0, reservedMinor: 0 });
  });

  it('a charge without a hold, or an operator debit, never takes money held for a call in progress', async () => {
    const { id } = await card(100);
    const hold = await store.reservations.reserveFor({ cardId: id }, minorUnits(80));
    expect(await store.cards.adjustBalance(id, minorUnits(-21))).toBe(false);
    expect(await store.cards.adjustBalance(id, minorUnits(-5))).toBe(true);
    expect(await store.cards.chargeAtMost(id, minorUnits(30))).toBe(15);
    expect(await reload(id)).toMatchObject({ balanceMinor: 80, reservedMinor: 80 });
    expect(await store.cards.adjustBalance(id, minorUnits(20))).toBe(true);
    expect(await store.reservations.settle(hold!.id, minorUnits(80))).toBe(true);
    expect(await reload(id)).toMatchObject({ balanceMinor: 20, reservedMinor: 0 });
  });

  it('refuses a hold on no owner, two owners, or a card that does not exist', async () => {
    const { id } = await card(10);
    await expect(store.reservations.reserveFor({ cardId: id, accountId: 1 } as unknown as { cardId: number }, minorUnits(1))).rejects.toThrow(InvalidStoreInput);
    await expect(store.reservations.reserveFor({} as unknown as { cardId: number }, minorUnits(1))).rejects.toThrow(InvalidStoreInput);
    expect(await store.reservations.reserveFor({ cardId: 999_999 }, minorUnits(1))).toBeNull();
  });
});
