import type { E164 } from '../domain/phone-number';
import type { Store } from '../store';
import type { AccessNumber } from '../store/access-numbers';
import type { Account } from '../store/accounts';

/** Who is calling, as far as the access call tells (T1): by ANI (A1), by the DID's owner (A3), or nobody yet. */
export type Subscriber =
  | { readonly by: 'did'; readonly account: Account }
  | { readonly by: 'ani'; readonly account: Account }
  | { readonly by: 'none'; readonly account: null };

/**
 * A DID owned by an account (A3) speaks for that account whoever calls it; otherwise a caller ID
 * the account allowed for authorization (A1) does. A caller ID registered without "allow
 * authorization" identifies nobody: the PIN on leg A (A2) must then say who it is.
 */
export async function identifySubscriber(store: Store, accessNumber: AccessNumber, caller: E164 | null): Promise<Subscriber> {
  if (accessNumber.accountId !== null) {
    const owner = await store.accounts.findById(accessNumber.accountId);
    if (owner) return { by: 'did', account: owner };
  }
  if (caller !== null) {
    const callerId = await store.callerIds.findByNumber(caller);
    if (callerId?.allowAuthorization) {
      const account = await store.accounts.findById(callerId.accountId);
      if (account) return { by: 'ani', account };
    }
  }
  return { by: 'none', account: null };
}
