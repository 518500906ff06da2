import type { CountryCode } from 'libphonenumber-js';
import type { CallbackSettings } from '../../config/schema';
import type { CallSession } from '../../esl/call-session';
import { InvalidPhoneNumber, toE164, type E164 } from '../../domain/phone-number';
import type { CallbackRequest } from '../../store/callback-requests';

export interface AskDestinationInput {
  readonly session: CallSession;
  readonly request: CallbackRequest;
  /** The request's own settings (lib/settings): digit timeout, language, announcements, country. */
  readonly settings: CallbackSettings;
  /** The prompt to play, as a file FreeSWITCH can open. */
  readonly promptFile: string;
  /**
   * C6: the longest talk the engine would allow with `destination` if it were dialed now, paid by
   * `payer` (the one leg A identified) or else the request's; 0 when none. What the IVR announces.
   */
  readonly talkSeconds: (destination: E164, payer: ChosenPayer | null) => Promise<number>;
}

/**
 * C2's destination step on leg A. The IVR module (PIN, balance, tariff check, maximum duration
 * announcement) replaces this; the engine only needs a number, or null when the caller gave none.
 * A hangup during the step rejects with CallEnded, which the engine expects.
 */
export interface DestinationAsker {
  ask(input: AskDestinationInput): Promise<AskedDestination>;
}

/** Who pays from the destination on, when leg A identified the caller (A2 PIN, A4 calling card). */
export type ChosenPayer = { readonly accountId: number } | { readonly cardId: number };

/** A number, a number with the payer leg A identified, or null when the caller gave none. */
export type AskedDestination = E164 | { readonly destination: E164; readonly payer: ChosenPayer } | null;

/** The key in `callback_requests.data` under which the chosen payer is kept (read by funds.ts). */
export const CHOSEN_PAYER_KEY = 'chosenPayer';

/**
 * The engine's side of an answer: the number to dial. A payer the IVR chose is written into the
 * request's data object in place — the runner keeps that object across its state updates and
 * persists it with its next data patch — with the instant it took over (leg A is charged to it
 * from then on, A6).
 */
export function destinationOf(request: CallbackRequest, answer: AskedDestination, now: number): E164 | null {
  if (answer === null || typeof answer === 'string') return answer;
  const data = request.data as Record<string, unknown>;
  data[CHOSEN_PAYER_KEY] = { ...answer.payer, since: now };
  return answer.destination;
}

/** The request as the engine will see it once leg A's answer names `payer` (funds read it from the data). */
export function withChosenPayer(request: CallbackRequest, payer: ChosenPayer | null, now: number): CallbackRequest {
  return payer === null ? request : { ...request, data: { ...request.data, [CHOSEN_PAYER_KEY]: { ...payer, since: now } } };
}

/** The minimal step: digits, then `#`, read as a number of the account's country. */
export const digitsDestinationAsker: DestinationAsker = {
  async ask(input) {
    const digits = await input.session.playAndGetDigits({
      min: 3,
      max: 20,
      tries: 3,
      timeoutMs: input.settings.digitTimeoutSeconds * 1000,
      digitTimeoutMs: input.settings.digitTimeoutSeconds * 1000,
      terminators: '#',
      file: input.promptFile,
      regexp: '\\d+',
    });
    if (digits === '') return null;
    try {
      return toE164(digits, input.settings.defaultCountry as CountryCode);
    } catch (error) {
      if (error instanceof InvalidPhoneNumber) return null;
      throw error;
    }
  },
};
