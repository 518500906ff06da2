import type { OrderRefusal } from '../domain/order-refusal';
import type { E164 } from '../domain/phone-number';
import type { Account } from '../store/accounts';

/**
 * What the SMS module needs from the callback engine, and nothing more: the engine is built
 * separately, and the SMS commands must not depend on how it dials.
 */
export interface CallbackOrdering {
  /**
   * Queues a callback. Must be idempotent on `idempotencyKey` (the same key returns the first
   * request), because a handler that crashed half-way may see the same message again.
   */
  order(order: SmsCallbackOrder): Promise<OrderOutcome>;
  /** The account's most recent callback that had a destination, for #redial; null if none. */
  lastRequestFor(accountId: number): Promise<PastCallback | null>;
}

export interface SmsCallbackOrder {
  readonly accountId: number;
  readonly trigger: 'sms';
  /** Leg A, called first (source_first) or together with leg B (simultaneous). */
  readonly source: E164;
  readonly destination: E164;
  /** `simultaneous` for the conference command (*3): both numbers are rung at once. */
  readonly mode: 'source_first' | 'simultaneous';
  /** Epoch ms; absent = now. */
  readonly dueAt?: number;
  readonly idempotencyKey: string;
  /** Always: an SMS order is the subscriber's, so its first party must be a verified number of the account. */
  readonly bySubscriber: true;
}

export type OrderOutcome =
  | { readonly ok: true; readonly id: string; readonly dueAt: number; readonly created: boolean }
  /** The engine would not take it: the reply says why, in the account's language, from `refusal.code`. */
  | { readonly ok: false; readonly refusal: OrderRefusal };

export interface PastCallback {
  readonly id: string;
  readonly source: E164;
  readonly destination: E164;
  readonly mode: 'source_first' | 'simultaneous';
}

/**
 * The language of an account's replies (#18 item 1): its resolved `language`, with the access
 * number the message was sent to, when it is one, over the account's. `account` null (a sender
 * without one): the access number's, else the system's. Absent: English.
 */
export type ReplyLanguage = (account: Account | null, receivedOn: string) => Promise<string>;
