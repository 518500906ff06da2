import type { E164 } from '../domain/phone-number';
import type { Store } from '../store';
import type { AccessNumber } from '../store/access-numbers';
import type { Account } from '../store/accounts';

/**
 * Who is calling, as far as the access call tells (T1): by ANI (A1), by the DID's owner (A3), or
 * nobody yet. For an owned DID, `callerAuthorized` says whether the caller ID is one the owner
 * verified and allowed for authorization: the DID names the payer, not whom to call.
 */
export type Subscriber =
  | { readonly by: 'did'; readonly account: Account; readonly callerAuthorized: boolean }
  | { readonly by: 'ani'; readonly account: Account }
  | { readonly by: 'none'; readonly account: null };

/**
 * A DID owned by an account (A3) names that account whoever calls it (whom it may call back is
 * callback-target.ts's rule); otherwise a caller ID the account allowed for authorization (A1)
 * does. A caller ID registered without "allow authorization" identifies nobody: the PIN on leg A
 * (A2) must then say who it is. Only verified numbers are caller IDs (claims are elsewhere).
 */
export async function identifySubscriber(store: Store, accessNumber: AccessNumber, caller: E164 | null): Promise<Subscriber> {
  const callerId = caller === null ? null : await store.callerIds.findByNumber(caller);
  const authorizedFor = callerId?.allowAuthorization ? callerId.accountId : null;
  if (accessNumber.accountId !== null) {
    const owner = await store.accounts.findById(accessNumber.accountId);
    if (owner) return { by: 'did', account: owner, callerAuthorized: authorizedFor === owner.id };
  }
  if (authorizedFor !== null) {
    const account = await store.accounts.findById(authorizedFor);
    if (account) return { by: 'ani', account };
  }
  return { by: 'none', account: null };
}
