import { DateTime } from 'luxon';
import { currencyExponent, formatAmount, type MinorUnits } from '../../domain/money';
import type { OrderRefusal } from '../../domain/order-refusal';
import type { E164 } from '../../domain/phone-number';
import type { ParseErrorCode } from '../parser/commands';
import type { SenderLimit } from './sender-limit';

/*
 * Every text a subscriber can receive, in one place, per language (#18 item 1). Kept to plain GSM
 * characters (no arrows or typographic quotes) so a reply goes out as one cheap 7-bit SMS where it
 * fits. The parser's reasons, and the engine's for an order it refuses, are written per language
 * from their code.
 */

/** "12:00" when the call is today in the account's zone, else "30.04.2027 15:00". */
export function formatDue(dueAt: number, now: number, timeZone: string): string {
  const due = DateTime.fromMillis(dueAt, { zone: timeZone });
  const today = DateTime.fromMillis(now, { zone: timeZone });
  return due.hasSame(today, 'day') ? due.toFormat('HH:mm') : due.toFormat('dd.MM.yyyy HH:mm');
}

export type CallKind = 'callback' | 'conference' | 'redial';

export interface QueuedCall {
  readonly what: CallKind;
  readonly first: E164;
  readonly second: E164;
  readonly simultaneous: boolean;
  /** Null: now. */
  readonly due: string | null;
}

/** Why the parser did not take a message: `reason` is the English sentence, `code` what any language can say. */
export interface ParseProblem {
  readonly code: ParseErrorCode;
  readonly reason: string;
}

export interface Balance {
  readonly balanceMinor: MinorUnits;
  readonly availableMinor: MinorUnits;
}

/** The texts of one language; a language's table may leave any out, which is then sent in English. */
export interface SmsTexts {
  queued(call: QueuedCall): string;
  refused(what: CallKind, refusal: OrderRefusal): string;
  notUnderstood(problem: ParseProblem): string;
  /** To a sender that may not command (S5), unless the operator set sms.unauthorizedReply. */
  unauthorized: string;
  /** Once per window to a sender over its limit, unless the operator set sms.rateLimitedReply. */
  rateLimited(limit: SenderLimit, retryAfterMs: number): string;
  nothingToRedial: string;
  ownNumber: string;
  registered(number: E164): string;
  alreadyRegistered(number: E164): string;
  codeSent(number: E164): string;
  codeTooSoon(number: E164, seconds: number): string;
  noMoreCodes(number: E164): string;
  verified(number: E164): string;
  codeFailed(number: E164): string;
  codeLocked(seconds: number): string;
  unregistered(number: E164): string;
  notRegistered(number: E164): string;
  reglist(numbers: readonly E164[]): string;
  balance(balance: Balance, currency: string): string;
}

const CALL_NAMES: Record<CallKind, string> = { callback: 'Callback', conference: 'Conference', redial: 'Redial' };

export const ENGLISH: SmsTexts = {
  queued(call) {
    const when = call.due === null ? 'queued' : `queued for ${call.due}`;
    const who = call.simultaneous
      ? `we call ${call.first} and ${call.second}${call.due === null ? ' now' : ''} and connect them`
      : `we call ${call.first}${call.due === null ? ' now' : ''}, then ${call.second}`;
    return `${CALL_NAMES[call.what]} ${when}: ${who}.`;
  },
  refused: (what, refusal) => `${CALL_NAMES[what]} refused: ${sentence(refusal.reason)}`,
  notUnderstood: (problem) => sentence(capitalize(problem.reason)),
  unauthorized: 'This number may not send commands. Add it to your account under My contacts and tick "Allow authorization".',
  rateLimited(limit, retryAfterMs) {
    const { window, retry } = limitMinutes(limit, retryAfterMs);
    return `Too many messages: we act on at most ${limit.limit} per ${window} minutes from one number. Further ones are ignored; try again in ${retry} minutes.`;
  },
  nothingToRedial: 'Nothing to redial: this account has no earlier callback.',
  ownNumber: 'That is your own number: send *1*number with the number you want to call.',
  registered: (number) => `${number} is now registered: it may send commands for your account.`,
  alreadyRegistered: (number) => `${number} was already registered.`,
  codeSent: (number) => `We sent a code to ${number}. Reply #verify ${number} and the code to let it send commands for your account.`,
  codeTooSoon: (number, seconds) => `A code was sent to ${number} a moment ago: try again in ${seconds} s.`,
  noMoreCodes: (number) => `No more codes are sent to ${number}: send #unregister ${number} and register it again later.`,
  verified: (number) => `${number} is confirmed as your number.`,
  codeFailed: (number) => `The code for ${number} is wrong or has expired: send #register ${number} for a new one.`,
  codeLocked: (seconds) => `Too many wrong codes: try again in ${Math.ceil(seconds / 60)} min.`,
  unregistered: (number) => `${number} is no longer registered.`,
  notRegistered: (number) => `${number} is not registered to your account.`,
  reglist: (numbers) => (numbers.length === 0 ? 'No numbers are registered.' : `Registered numbers: ${numbers.join(', ')}.`),
  balance: (balance, currency) => balanceText(balance, currency, { balance: 'Balance', available: 'Available' }),
};

/** A sender limit's window and the wait before the next message is acted on, in whole minutes (at least 1). */
export function limitMinutes(limit: SenderLimit, retryAfterMs: number): { window: number; retry: number } {
  return { window: Math.max(1, Math.round(limit.windowMs / 60_000)), retry: Math.max(1, Math.ceil(retryAfterMs / 60_000)) };
}

/** The balance, plus what can be spent when a credit limit or calls in progress make it differ. */
export function balanceText(balance: Balance, currency: string, words: { balance: string; available: string }): string {
  const exponent = currencyExponent(currency);
  const text = `${words.balance}: ${formatAmount(balance.balanceMinor, exponent)} ${currency}.`;
  return balance.availableMinor === balance.balanceMinor ? text : `${text} ${words.available}: ${formatAmount(balance.availableMinor, exponent)} ${currency}.`;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
