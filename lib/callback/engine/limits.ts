import type { Store } from '../../store';
import type { Account } from '../../store/accounts';
import type { CallbackRequest } from '../../store/callback-requests';
import { CALL_IN_PROGRESS_STATES } from '../state/request-state';
import type { AccountLookup } from './account-reads';
import type { EngineContext } from './context';
import type { Refusal } from './funds';
import { requestData } from './request-data';

/**
 * A5 when a request is due, whatever its trigger: an account has at most
 * min(its maxConcurrentCallbacks, the maxConcurrentPerAccount setting) calls in progress. Over
 * that the request is refused (audited, `too_many_concurrent`) rather than put off: the claim has
 * counted its attempt, so deferring it would eat its retries, and each deferral moves its due
 * time on, so it could wait past the sweep's maximum age for ever. The caller sees why and can
 * order again; the access path refuses the same way when it takes the order.
 *
 * What counts: the account's requests in progress that have begun dialing (a leg for their
 * current attempt). One claimed in the same instant but still being checked does not, so a batch
 * due at once is not refused as a whole; the runner checks and starts the account's requests one
 * at a time (RequestRunner.admit), so two cannot both take the last free slot here. Another instance can, by a hair:
 * counted, not locked, the limit is a brake.
 *
 * A caller nobody identified (A6) is ordered on the operator's account, which is not theirs to
 * be limited by; they are not counted against it here.
 */
export function concurrencyRefusal(ctx: EngineContext, request: CallbackRequest, accounts: AccountLookup): Promise<Refusal | undefined> {
  if (requestData(request.data).unidentified) return Promise.resolve(undefined);
  // Part of the call's setup: a database outage is waited out (reading again is harmless).
  return ctx.untilWritten(`calls in progress of account ${request.accountId}`, () => countRefusal(ctx, request, accounts));
}

async function countRefusal(ctx: EngineContext, request: CallbackRequest, accounts: AccountLookup): Promise<Refusal | undefined> {
  const account = await accounts(request.accountId);
  // A missing account is refused by the pricing, with its own reason.
  if (!account) return undefined;
  // This request has no leg for its attempt yet, so it is not among them.
  const { atLimit, max } = await callsInProgress(ctx.store, account, ctx.settings.maxConcurrentPerAccount);
  return atLimit ? { refused: 'too_many_concurrent', details: { inProgress: max, max } } : undefined;
}

/**
 * The one A5 count, shared by the engine (when a request is due) and the access number (before
 * it takes an order): requests with a call on the wire. A request queued for later, or waiting
 * for a retry, holds no line and does not count, so scheduled callbacks never lock an account
 * out of its access number. Only whether there are `max` of them is read, not how many (the
 * read stops there): a refusal's audit says `inProgress: max`, meaning at least that many.
 */
export async function callsInProgress(
  store: Pick<Store, 'callbackRequests'>,
  account: Pick<Account, 'id' | 'maxConcurrentCallbacks'>,
  maxPerAccountSetting: number,
): Promise<{ atLimit: boolean; max: number }> {
  const max = Math.min(account.maxConcurrentCallbacks, maxPerAccountSetting);
  const atLimit = await store.callbackRequests.hasInStates(account.id, CALL_IN_PROGRESS_STATES, max, { dialed: true });
  return { atLimit, max };
}
