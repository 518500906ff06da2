import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** A phone number in E.164 form (`+` and 8 to 15 digits), checked by libphonenumber-js. */
export type E164 = string & { readonly __brand: 'E164' };

export class InvalidPhoneNumber extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`invalid phone number ${JSON.stringify(input)}: ${reason}`);
    this.name = 'InvalidPhoneNumber';
  }
}

const DIALABLE = /^[+]?[0-9 ()./-]+$/;

/**
 * Normalises what a subscriber typed (spaces, `00` or `+` prefix, national form with the
 * account's country) to E.164. Anything that is not purely a number is refused here so that no
 * dial-string metacharacter can ever travel further.
 */
export function toE164(input: string, defaultCountry?: CountryCode): E164 {
  const trimmed = input.trim();
  if (trimmed === '') throw new InvalidPhoneNumber(input, 'empty');
  if (!DIALABLE.test(trimmed)) throw new InvalidPhoneNumber(input, 'only digits, spaces and a leading + are allowed');
  const international = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
  const parsed = parsePhoneNumberFromString(international, defaultCountry);
  if (!parsed) {
    throw new InvalidPhoneNumber(
      input,
      defaultCountry ? `not a number of ${defaultCountry} nor an international number` : 'not an international number (+ and country code)',
    );
  }
  // libphonenumber calls some stubs "possible" (`0700` in DE gives +490700) that are shorter than
  // E.164 allows; every later check (store, dial string) uses isE164, so refuse them here.
  if (!parsed.isPossible() || !isE164(parsed.number)) throw new InvalidPhoneNumber(input, 'wrong length for its country');
  return parsed.number as E164;
}

/** For values that are already stored as E.164 (database rows, settings validated at start-up). */
export function isE164(value: string): value is E164 {
  return /^\+[1-9][0-9]{6,14}$/.test(value);
}

/** The digits a gateway expects, without the `+`. */
export function e164Digits(number: E164): string {
  return number.slice(1);
}
