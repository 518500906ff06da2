import { OrderHandOffs, type OrderHandOff } from '../../../lib/callback/engine/order-hand-offs';
import { TurnBudget, type TurnSlot } from '../../../lib/callback/engine/turn-budget';
import type { Account } from '../../../lib/store';

const account = (id: number): Account => ({ id, name: `a${id}` }) as Account;

/** A real slot, from a budget that lets everything through at once. */
async function turnSlot(): Promise<TurnSlot> {
  const budget = new TurnBudget({ budgetMs: () => 1, perTurn: 1, checks: 1, now: () => 0, defer: (callback) => callback() });
  return budget.slot();
}

describe('OrderHandOffs', () => {
  it("offers the order's hand-off to a dial its schedule call starts, once, and to nobody after", async () => {
    const handOffs = new OrderHandOffs();
    const slot = await turnSlot();
    const taken: Array<OrderHandOff | undefined> = [];
    await handOffs.during('r1', { account: account(1), slot }, async () => {
      taken.push(handOffs.take('r2'), handOffs.take('r1'), handOffs.take('r1'));
    });
    await handOffs.during('r3', { account: account(3), slot: undefined }, async () => undefined);
    taken.push(handOffs.take('r3'));
    expect(taken).toEqual([undefined, { account: account(1), slot }, undefined, undefined]);
  });

  it('forgets the hand-off when the schedule call fails', async () => {
    const handOffs = new OrderHandOffs();
    await expect(handOffs.during('r1', { account: account(1), slot: undefined }, () => Promise.reject(new Error('queue away')))).rejects.toThrow('queue away');
    expect(handOffs.take('r1')).toBeUndefined();
  });
});
