/**
 * Why the engine will not take an order, as a code every channel can say in its own language
 * (an SMS reply in French, the API's error in English), next to the English sentence for logs and
 * the API. The codes are what a subscriber can act on: fix a number, verify one, ask the operator.
 */
export const ORDER_REFUSAL_CODES = ['invalid_order', 'unknown_account', 'invalid_number', 'unverified_source', 'callback_disabled'] as const;

export type OrderRefusalCode = (typeof ORDER_REFUSAL_CODES)[number];

export interface OrderRefusal {
  readonly code: OrderRefusalCode;
  /** The English sentence: what the API answers and the log says. */
  readonly reason: string;
}
