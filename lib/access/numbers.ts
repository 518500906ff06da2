import type { CountryCode } from 'libphonenumber-js';
import { InvalidPhoneNumber, isE164, toE164, type E164 } from '../domain/phone-number';

/*
 * Carriers deliver DIDs and caller IDs in every shape: E.164 with or without `+`, `00…`, national.
 * Each helper here turns one into E.164 or says it cannot.
 */

/**
 * The E.164 forms a called DID may stand for, most likely first. A carrier usually sends the
 * international digits without `+`, but a national form is read with the system's country too,
 * so both are tried (a DID table holds only E.164).
 */
export function didCandidates(raw: string | undefined, country: CountryCode): E164[] {
  const digits = (raw ?? '').trim().replace(/^00/, '+');
  if (digits === '') return [];
  const found: E164[] = [];
  const international = digits.startsWith('+') ? digits : `+${digits}`;
  if (isE164(international)) found.push(international);
  const national = tryE164(digits, country);
  if (national !== null && !found.includes(national)) found.push(national);
  return found;
}

/**
 * The caller's number, or null for a hidden one. FreeSWITCH shows a withheld caller ID as
 * `anonymous` (or the carrier's `0000000000`, `restricted`, `unknown`); none of those can be
 * called back, so they are all "no caller ID".
 */
export function callerNumber(raw: string | undefined, country: CountryCode): E164 | null {
  const value = (raw ?? '').trim();
  if (value === '' || !/[1-9]/.test(value)) return null;
  return tryE164(value, country);
}

function tryE164(value: string, country: CountryCode): E164 | null {
  try {
    return toE164(value, country);
  } catch (error) {
    if (error instanceof InvalidPhoneNumber) return null;
    throw error;
  }
}
