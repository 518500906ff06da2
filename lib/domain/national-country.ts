import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * The country a subscriber's national numbers (no `+` or `00`) are read in. The account's own
 * country wins. An account without one is read where its own numbers are (its callback number,
 * then its authorized numbers, in that order): a subscriber types national numbers of the
 * country their phone is in. Currency and time zone are no guide (EUR spans twenty countries,
 * a zone several), so only then the service's default applies.
 */
export function nationalCountry(account: { country: string | null }, ownNumbers: ReadonlyArray<string | null>, fallback: string): CountryCode {
  if (account.country) return account.country as CountryCode;
  for (const number of ownNumbers) {
    const country = number ? parsePhoneNumberFromString(number)?.country : undefined;
    if (country) return country;
  }
  return fallback as CountryCode;
}
