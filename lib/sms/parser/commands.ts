import type { E164 } from '../../domain/phone-number';

/**
 * What an SMS asks for, once read. Numbers are E.164 and times are instants, so nothing after the
 * parser has to know about spaces, `00` prefixes, national forms or the account's time zone.
 */
export type SmsCommand =
  /** S1: call `first` (undefined = the sender) at `at` (undefined = now), then `second`. */
  | { readonly kind: 'callback'; readonly first?: E164; readonly second: E164; readonly at?: number }
  /** S4: call `a` and `b` at the same time and connect them; the sender is not a party. */
  | { readonly kind: 'conference'; readonly a: E164; readonly b: E164; readonly at?: number }
  /** S2: repeat the account's last callback now. */
  | { readonly kind: 'redial' }
  /** S3 */
  | { readonly kind: 'register'; readonly number: E164 }
  | { readonly kind: 'unregister'; readonly number: E164 }
  /** #15 item 8: the code sent to a number being registered, typed back. */
  | { readonly kind: 'verify'; readonly number: E164; readonly code: string }
  | { readonly kind: 'reglist' }
  /** S4 */
  | { readonly kind: 'balance' };

export type SmsCommandKind = SmsCommand['kind'];

/** Stable codes for logs and the audit trail; `reason` is the sentence the subscriber reads. */
export type ParseErrorCode =
  | 'empty'
  | 'unknown_command'
  | 'empty_field'
  | 'missing_number'
  | 'missing_code'
  | 'too_many_numbers'
  | 'same_numbers'
  | 'unexpected_argument'
  | 'invalid_number'
  | 'invalid_date'
  | 'invalid_time'
  | 'date_needs_time'
  | 'out_of_order'
  | 'nonexistent_time'
  | 'time_past'
  | 'too_far_ahead'
  | 'invalid_zone';

export type ParseResult =
  | { readonly ok: true; readonly command: SmsCommand }
  | { readonly ok: false; readonly code: ParseErrorCode; readonly reason: string };

/** A step of the parser that either gives a value or stops with the first problem found. */
export type Step<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: ParseErrorCode; readonly reason: string };

export function success<T>(value: T): Step<T> {
  return { ok: true, value };
}

export function failure(code: ParseErrorCode, reason: string): { readonly ok: false; readonly code: ParseErrorCode; readonly reason: string } {
  return { ok: false, code, reason };
}
