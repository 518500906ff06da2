import type { Account, Store } from '../../store';

/** Reads an account by id, or null when there is none. */
export type AccountLookup = (accountId: number) => Promise<Account | null>;

/**
 * The account reads of one admission (pricing A and B, the A5 limit): each account is read once,
 * since they all ask within the same moment about the same row. A read that failed is not kept,
 * so waiting out an outage (untilWritten) reads again. `known`: a row read just before for the
 * same call (the order's, order-hand-offs.ts), used as read.
 */
export function readEachAccountOnce(store: Pick<Store, 'accounts'>, known?: Account): AccountLookup {
  const found = new Map<number, Account | null>(known ? [[known.id, known]] : []);
  return async (accountId) => {
    if (found.has(accountId)) return found.get(accountId) ?? null;
    const account = await store.accounts.findById(accountId);
    found.set(accountId, account);
    return account;
  };
}
