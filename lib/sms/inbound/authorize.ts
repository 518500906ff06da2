import type { CountryCode } from 'libphonenumber-js';
import { InvalidPhoneNumber, toE164, type E164 } from '../../domain/phone-number';
import type { Account } from '../../store/accounts';
import type { Store } from '../../store';

export type Authorization =
  | { readonly ok: true; readonly sender: E164; readonly account: Account }
  | {
      readonly ok: false;
      /** Audit reason code. */
      readonly reason: 'sender_not_a_number' | 'unknown_sender' | 'authorization_disabled' | 'account_inactive';
      /** Null when the sender cannot be answered (an alphanumeric sender id). */
      readonly sender: E164 | null;
      readonly accountId: number | null;
    };

/**
 * S5: only a number registered to an active account, with "Allow authorization" ticked, may
 * command it. The sender address is the only credential an SMS has, so nothing else is tried:
 * no fuzzy matching of the number, no fallback account.
 */
export async function authorizeSender(
  store: Pick<Store, 'callerIds' | 'accounts'>,
  from: string,
  defaultCountry: CountryCode,
): Promise<Authorization> {
  let sender: E164;
  try {
    sender = toE164(from, defaultCountry);
  } catch (error) {
    if (error instanceof InvalidPhoneNumber) return { ok: false, reason: 'sender_not_a_number', sender: null, accountId: null };
    throw error;
  }
  const callerId = await store.callerIds.findByNumber(sender);
  if (!callerId) return { ok: false, reason: 'unknown_sender', sender, accountId: null };
  if (!callerId.allowAuthorization) return { ok: false, reason: 'authorization_disabled', sender, accountId: callerId.accountId };
  const account = await store.accounts.findById(callerId.accountId);
  if (!account || !account.active) return { ok: false, reason: 'account_inactive', sender, accountId: callerId.accountId };
  return { ok: true, sender, account };
}
