import { DateTime } from 'luxon';
import { currencyExponent, formatAmount, type MinorUnits } from '../../domain/money';
import type { E164 } from '../../domain/phone-number';

/*
 * Every text a subscriber can receive, in one place. Kept to plain GSM characters (no arrows or
 * typographic quotes) so a reply goes out as one cheap 7-bit SMS where it fits.
 */

/** "12:00" when the call is today in the account's zone, else "30.04.2027 15:00". */
export function formatDue(dueAt: number, now: number, timeZone: string): string {
  const due = DateTime.fromMillis(dueAt, { zone: timeZone });
  const today = DateTime.fromMillis(now, { zone: timeZone });
  return due.hasSame(today, 'day') ? due.toFormat('HH:mm') : due.toFormat('dd.MM.yyyy HH:mm');
}

export interface QueuedCall {
  readonly what: 'Callback' | 'Conference' | 'Redial';
  readonly first: E164;
  readonly second: E164;
  readonly simultaneous: boolean;
  /** Null: now. */
  readonly due: string | null;
}

export function queuedReply(call: QueuedCall): string {
  const when = call.due === null ? 'queued' : `queued for ${call.due}`;
  const who = call.simultaneous
    ? `we call ${call.first} and ${call.second}${call.due === null ? ' now' : ''} and connect them`
    : `we call ${call.first}${call.due === null ? ' now' : ''}, then ${call.second}`;
  return `${call.what} ${when}: ${who}.`;
}

export function refusedReply(what: string, reason: string): string {
  return `${what} refused: ${sentence(reason)}`;
}

export function notUnderstoodReply(reason: string): string {
  return sentence(capitalize(reason));
}

export const nothingToRedialReply = 'Nothing to redial: this account has no earlier callback.';
export const ownNumberReply = 'That is your own number: send *1*number with the number you want to call.';
export const registeredReply = (number: E164) => `${number} is now registered: it may send commands for your account.`;
export const alreadyRegisteredReply = (number: E164) => `${number} was already registered.`;
export const codeSentReply = (number: E164) => `We sent a code to ${number}. Reply #verify ${number} and the code to let it send commands for your account.`;
export const codeTooSoonReply = (number: E164, seconds: number) => `A code was sent to ${number} a moment ago: try again in ${seconds} s.`;
export const noMoreCodesReply = (number: E164) => `No more codes are sent to ${number}: send #unregister ${number} and register it again later.`;
export const verifiedReply = (number: E164) => `${number} is confirmed as your number.`;
export const codeFailedReply = (number: E164) => `The code for ${number} is wrong or has expired: send #register ${number} for a new one.`;
export const codeLockedReply = (seconds: number) => `Too many wrong codes: try again in ${Math.ceil(seconds / 60)} min.`;
export const unregisteredReply = (number: E164) => `${number} is no longer registered.`;
export const notRegisteredReply = (number: E164) => `${number} is not registered to your account.`;

export function reglistReply(numbers: readonly E164[]): string {
  return numbers.length === 0 ? 'No numbers are registered.' : `Registered numbers: ${numbers.join(', ')}.`;
}

export function balanceReply(balance: { balanceMinor: MinorUnits; availableMinor: MinorUnits }, currency: string): string {
  const exponent = currencyExponent(currency);
  const text = `Balance: ${formatAmount(balance.balanceMinor, exponent)} ${currency}.`;
  // Credit limits and calls in progress make what can be spent differ from the balance.
  return balance.availableMinor === balance.balanceMinor ? text : `${text} Available: ${formatAmount(balance.availableMinor, exponent)} ${currency}.`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
