import type { E164 } from '../../domain/phone-number';

/**
 * #15 item 5: the number called first (leg A) of an order a subscriber places (API key, portal,
 * SMS) must be one of the account's verified numbers, or a stranger's phone could be rung on
 * the account's behalf. The operator may free an account from the rule (`free_sources`), and
 * orders from the operator (CLI, operator key) or from the system (access numbers, in-call
 * redial) are not subscriber orders.
 */
export function firstPartyAllowed(account: { id: number; freeSources: boolean }, holderAccountId: number | null): boolean {
  return account.freeSources || holderAccountId === account.id;
}

export const firstPartyRefusal = (source: E164): string => `source: ${source} is not one of the account's verified numbers; register it and type the code sent to it first`;
