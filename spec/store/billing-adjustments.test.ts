import { randomUUID } from 'node:crypto';
import { minorUnits } from '../../lib/domain/money';
import { createStore, type NewBillingAdjustment, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance, cardWithBalance } from './fixtures';

describeEachDatabase('billing adjustments (B4: estimates corrected to FreeSWITCH\'s CDR)', (getDb) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  const adjustment = (payer: NewBillingAdjustment['payer'], amount: number, extra: Partial<NewBillingAdjustment> = {}): NewBillingAdjustment => ({
    legUuid: randomUUID(),
    requestId: null,
    payer,
    reason: 'estimate_corrected',
    estimatedBillsec: 100,
    correctedBillsec: 100 + amount,
    estimatedCostMinor: minorUnits(100),
    correctedCostMinor: minorUnits(100 + amount),
    amountMinor: minorUnits(amount),
    ...extra,
  });

  it('a leg is adjusted once: a second adjustment of the same leg, even a racing one, moves no money', async () => {
    const account = await accountWithBalance(store, 1_000);
    const first = adjustment({ accountId: account.id }, 30);
    const booked = await Promise.all([store.billingAdjustments.book(first), store.billingAdjustments.book(first), store.billingAdjustments.book({ ...first, amountMinor: minorUnits(-50) })]);
    expect(booked.filter((row) => row !== null)).toHaveLength(1);
    const balance = (await store.accounts.balance(account.id))!.balanceMinor;
    expect(balance === 970 || balance === 1_050).toBe(true);
    expect(await store.billingAdjustments.list({ accountId: account.id })).toHaveLength(1);
  });

  it('an account is charged or refunded the whole difference', async () => {
    const account = await accountWithBalance(store, 10);
    expect(await store.billingAdjustments.book(adjustment({ accountId: account.id }, 25))).toMatchObject({ accountId: account.id, cardId: null, amountMinor: 25 });
    expect((await store.accounts.balance(account.id))!.balanceMinor).toBe(-15);
    expect(await store.billingAdjustments.book(adjustment({ accountId: account.id }, -40))).toMatchObject({ amountMinor: -40 });
    expect((await store.accounts.balance(account.id))!.balanceMinor).toBe(25);
  });

  it('a card is never taken below zero nor into a call\'s hold by a correction; the row says what it really paid', async () => {
    const card = await cardWithBalance(store, 50);
    const hold = await store.reservations.reserveFor({ cardId: card.id }, minorUnits(30));
    expect(hold).not.toBeNull();
    const charged = await store.billingAdjustments.book(adjustment({ cardId: card.id }, 45));
    expect(charged).toMatchObject({ cardId: card.id, accountId: null, amountMinor: 20 });
    expect(await store.cards.findById(card.id)).toMatchObject({ balanceMinor: 30, reservedMinor: 30 });
    expect(await store.billingAdjustments.book(adjustment({ cardId: card.id }, -12))).toMatchObject({ amountMinor: -12 });
    expect(await store.cards.findById(card.id)).toMatchObject({ balanceMinor: 42 });
  });

  it('the operator\'s part of a taken-over leg A moves with the payer\'s, in the same row', async () => {
    const [payer, operator] = [await accountWithBalance(store, 100), await accountWithBalance(store, 100)];
    const row = await store.billingAdjustments.book(adjustment({ accountId: payer.id }, -30, { operator: { accountId: operator.id, amountMinor: minorUnits(-8) } }));
    expect(row).toMatchObject({ amountMinor: -30, operatorAccountId: operator.id, operatorAmountMinor: -8 });
    expect((await store.accounts.balance(payer.id))!.balanceMinor).toBe(130);
    expect((await store.accounts.balance(operator.id))!.balanceMinor).toBe(108);
  });
});
