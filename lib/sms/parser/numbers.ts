import type { CountryCode } from 'libphonenumber-js';
import { InvalidPhoneNumber, toE164, type E164 } from '../../domain/phone-number';
import { failure, success, type Step } from './commands';
import { quote } from './syntax';

/** A number as a subscriber types it: spaces, `+`, `00`, or national for the account's country. */
export function readNumber(text: string, defaultCountry: CountryCode | undefined): Step<E164> {
  try {
    return success(toE164(text.replace(/\s+/g, ''), defaultCountry));
  } catch (error) {
    if (error instanceof InvalidPhoneNumber) return failure('invalid_number', `number ${quote(text)} is not a phone number: ${error.reason}`);
    throw error;
  }
}
