import type { CountryCode } from 'libphonenumber-js';
import { InvalidPhoneNumber, toE164 } from '../../domain/phone-number';

/** How many messages one sender may have acted on per window (settings: sms.commandsPerSender, sms.senderWindowMinutes). */
export interface SenderLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export const DEFAULT_SENDER_LIMIT: SenderLimit = { limit: 10, windowMs: 10 * 60_000 };

/**
 * The counter a sender's messages share: its number in E.164, so `0049…`, `+49…` and the national
 * form of one phone count together; an alphanumeric sender by its lower-cased name.
 */
export function senderLimitKey(from: string, defaultCountry: CountryCode): { key: string; answerable: boolean } {
  try {
    return { key: `sms:${toE164(from, defaultCountry)}`, answerable: true };
  } catch (error) {
    // An alphanumeric sender id cannot be answered.
    if (error instanceof InvalidPhoneNumber) return { key: `sms:${from.trim().toLowerCase()}`, answerable: false };
    throw error;
  }
}
