import type { CountryCode } from 'libphonenumber-js';
import type { CallSession } from '../../esl/call-session';
import { InvalidPhoneNumber, toE164, type E164 } from '../../domain/phone-number';
import type { CallbackRequest } from '../../store/callback-requests';

export interface AskDestinationInput {
  readonly session: CallSession;
  readonly request: CallbackRequest;
  readonly defaultCountry: CountryCode;
  /** The prompt to play, as a file FreeSWITCH can open. */
  readonly promptFile: string;
  readonly digitTimeoutMs: number;
}

/**
 * C2's destination step on leg A. The IVR module (PIN, balance, tariff check, maximum duration
 * announcement) replaces this; the engine only needs a number, or null when the caller gave none.
 * A hangup during the step rejects with CallEnded, which the engine expects.
 */
export interface DestinationAsker {
  ask(input: AskDestinationInput): Promise<E164 | null>;
}

/** The minimal step: digits, then `#`, read as a number of the account's country. */
export const digitsDestinationAsker: DestinationAsker = {
  async ask(input) {
    const digits = await input.session.playAndGetDigits({
      min: 3,
      max: 20,
      tries: 3,
      timeoutMs: input.digitTimeoutMs,
      digitTimeoutMs: input.digitTimeoutMs,
      terminators: '#',
      file: input.promptFile,
      regexp: '\\d+',
    });
    if (digits === '') return null;
    try {
      return toE164(digits, input.defaultCountry);
    } catch (error) {
      if (error instanceof InvalidPhoneNumber) return null;
      throw error;
    }
  },
};
