import type { LegRole } from '../store/legs';

/**
 * Who pays a leg. Cards and accounts are separate payers (a card is authenticated by number and
 * PIN, not tied to an account's balance), so the decision names one of them.
 */
export type ChargeTarget =
  | { kind: 'account'; accountId: number }
  | { kind: 'card'; cardId: number }
  /** The operator's own callback account pays for a leg A it could not attribute (A6). */
  | { kind: 'operator'; accountId: number }
  /** Nobody would pay: the leg must not be dialed. */
  | { kind: 'refuse'; reason: string };

export interface ChargeQuestion {
  leg: LegRole;
  /** The account the caller was identified as (ANI, PIN, DID), if any. */
  identifiedAccountId: number | null | undefined;
  /** The calling card the caller authenticated with (A4), if any. */
  cardId: number | null | undefined;
  /** The operator's callback account that absorbs unattributed leg A costs. */
  operatorCallbackAccountId: number;
}

function checkId(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what} must be a positive whole id, got ${String(value)}`);
  return value;
}

function present(value: number | null | undefined, what: string): number | undefined {
  return value === null || value === undefined ? undefined : checkId(value, what);
}

/**
 * - A card, when one was given, pays: the caller proved it with number and PIN in this call,
 *   which outranks an account guessed from a (spoofable) caller ID.
 * - Otherwise the identified account pays.
 * - A leg A with neither is already answered before anyone can be identified (the subscriber
 *   may fail the PIN and hang up); its cost is charged to the operator's callback account,
 *   never dropped (A6).
 * - A leg B or C with neither is refused: only an identified payer may dial out.
 */
export function chargeTarget(question: ChargeQuestion): ChargeTarget {
  const operator = checkId(question.operatorCallbackAccountId, 'operatorCallbackAccountId');
  const cardId = present(question.cardId, 'cardId');
  const accountId = present(question.identifiedAccountId, 'identifiedAccountId');
  if (cardId !== undefined) return { kind: 'card', cardId };
  if (accountId !== undefined) return { kind: 'account', accountId };
  if (question.leg === 'A') return { kind: 'operator', accountId: operator };
  return { kind: 'refuse', reason: `leg ${question.leg} is dialed only for an identified account or card` };
}
