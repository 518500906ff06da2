/** One SMS to hand to a gateway. Addresses are as the gateway knows them (usually E.164). */
export interface OutgoingSms {
  readonly from: string;
  readonly to: string;
  readonly text: string;
}

export type SendResult =
  | { readonly ok: true; readonly gatewayMessageId?: string }
  /** `retryable`: worth trying again later (gateway down, busy, timeout), as opposed to refused for good. */
  | { readonly ok: false; readonly error: string; readonly retryable: boolean };

/** A way out to the phone network. Implementations report failures as results and do not throw. */
export interface SmsSender {
  /** Stored as the outbound message's gateway, e.g. 'kannel', 'webhook', 'log'. */
  readonly name: string;
  send(sms: OutgoingSms): Promise<SendResult>;
}
