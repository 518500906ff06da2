import { randomUUID } from 'node:crypto';
import { minorUnits } from '../../lib/domain/money';
import type { E164 } from '../../lib/domain/phone-number';
import type { Account, CallingCard, NewAccount, NewCallingCard, Store } from '../../lib/store';

/** Test files share one database per engine, so every fixture gets names no other test uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

let numberCounter = 0;
/** A distinct E.164 number per call (unique within a test file, whose database is its own). */
export function uniqueNumber(): E164 {
  numberCounter += 1;
  return `+4930${String(process.pid % 1000).padStart(3, '0')}${String(numberCounter).padStart(5, '0')}` as E164;
}

/** An account with `balance` minor units paid in. */
export async function accountWithBalance(store: Store, balance: number, overrides: Partial<NewAccount> = {}): Promise<Account> {
  const account = await store.accounts.create({ name: unique('acct'), currency: 'USD', ...overrides });
  if (balance !== 0) {
    await store.payments.record({ accountId: account.id, amountMinor: minorUnits(balance), currency: account.currency, method: 'test' });
  }
  const reloaded = await store.accounts.findById(account.id);
  if (!reloaded) throw new Error('fixture account vanished');
  return reloaded;
}

let cardCounter = 0;
/** A calling card (A4) with `balance` minor units on it and a number no other test uses. */
export async function cardWithBalance(store: Store, balance: number, overrides: Partial<NewCallingCard> = {}): Promise<CallingCard> {
  cardCounter += 1;
  const number = `7${String(process.pid % 100_000).padStart(5, '0')}${String(cardCounter).padStart(6, '0')}`;
  return store.cards.create({ number, currency: 'USD', balanceMinor: minorUnits(balance), ...overrides });
}
