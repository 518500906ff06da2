import type { CountryCode } from 'libphonenumber-js';
import { InvalidPhoneNumber, toE164, type E164 } from '../domain/phone-number';
import type { CallSession } from '../esl/call-session';
import type { Store } from '../store';
import type { PromptCatalogue } from './prompts';
import type { IvrStep } from './step';

export interface DestinationEntryOptions {
  readonly language: string;
  readonly country: CountryCode;
  /** The retail tariff that prices leg B; a number without a rate there is "not allowed". */
  readonly tariffId: number | null;
  readonly tries: number;
  readonly digitTimeoutMs: number;
}

/** C2: digits then `#`, read as a number of the account's country, checked against its tariff. */
export class DestinationEntry implements IvrStep<E164 | null> {
  readonly name = 'destination-entry';

  constructor(
    private readonly store: Store,
    private readonly prompts: PromptCatalogue,
    private readonly options: DestinationEntryOptions,
  ) {}

  async exec(session: CallSession, signal: AbortSignal): Promise<E164 | null> {
    const { options, prompts } = this;
    for (let attempt = 1; attempt <= options.tries; attempt += 1) {
      const digits = await session.playAndGetDigits({
        min: 3,
        max: 20,
        tries: 1,
        timeoutMs: options.digitTimeoutMs,
        digitTimeoutMs: options.digitTimeoutMs,
        terminators: '#',
        file: prompts.file('enterDestination', options.language),
        regexp: '^[0-9]+$',
        signal,
      });
      if (digits === '') continue;
      const number = readNumber(digits, options.country);
      if (number !== null && (await this.allowed(number))) return number;
      await session.playback(prompts.file('destinationNotAllowed', options.language), { signal });
    }
    return null;
  }

  private async allowed(number: E164): Promise<boolean> {
    if (this.options.tariffId === null) return false;
    return (await this.store.tariffs.findRateByLongestPrefix(this.options.tariffId, number)) !== null;
  }
}

function readNumber(digits: string, country: CountryCode): E164 | null {
  try {
    return toE164(digits, country);
  } catch (error) {
    if (error instanceof InvalidPhoneNumber) return null;
    throw error;
  }
}
