import { isIP } from 'node:net';
import { z } from 'zod';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { isE164, toE164, type E164 } from '../domain/phone-number';
import { expected } from './setting-meta';

/** Value types shared by several settings; each carries its own "expected …" wording. */

export const PORT_ALLOWED = 'an integer from 0 to 65535 (0 = any free port)';

export function portSchema(): z.ZodNumber {
  return z.number().int().min(0).max(65535);
}

export function hostSchema(): z.ZodString {
  return z.string().min(1).regex(/^\S+$/, expected('a host name or IP address without spaces'));
}

export const ADDRESSES_ALLOWED = 'comma-separated IP addresses or CIDR ranges, such as 10.0.0.5,192.168.1.0/24';

/** A comma-separated allow-list in one variable, so it is as easy to set as any other setting. */
export function addressListSchema(): z.ZodPipe<z.ZodString, z.ZodTransform<string[], string>> {
  return z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const bad = value.split(',').find((entry) => !isAddressOrRange(entry.trim()));
      if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `${expected(ADDRESSES_ALLOWED)}; ${JSON.stringify(bad.trim())} is not one` });
    })
    .transform((text) => text.split(',').map((part) => part.trim()));
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
}

interface UrlRules {
  /** Accepted schemes with their trailing colon, e.g. `mysql:`. */
  protocols: readonly string[];
  requirePath?: boolean;
  allowed: string;
}

/** A URL whose scheme, host and (optionally) path are checked, with the reason in the message. */
export function urlSchema(rules: UrlRules): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    const problem = urlProblem(value, rules);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${expected(rules.allowed)}; ${problem}` });
  });
}

function urlProblem(value: string, rules: UrlRules): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'this is not a URL';
  }
  if (!rules.protocols.includes(url.protocol)) return `the scheme "${url.protocol.replace(/:$/, '')}" is not accepted`;
  if (url.hostname === '') return 'the host is missing';
  if (rules.requirePath === true && url.pathname.replace(/^\/+/, '') === '') return 'the database name (path) is missing';
  return undefined;
}

export const E164_ALLOWED = 'an E.164 number such as +14155550100';

/** Caller IDs are sent to carriers verbatim, so only the canonical form is accepted, not "+1 415 …". */
export function e164Schema(): z.ZodPipe<z.ZodString, z.ZodTransform<E164, string>> {
  return z.string().transform((value, ctx) => {
    if (isE164(value) && possible(value)) return value;
    ctx.addIssue({ code: 'custom', message: expected(E164_ALLOWED) });
    return z.NEVER;
  });
}

function possible(value: string): boolean {
  try {
    return toE164(value) === value;
  } catch {
    return false;
  }
}

export const COUNTRY_ALLOWED = 'an ISO 3166 alpha-2 country code in capitals, such as US, GB or DE';

export function countrySchema(): z.ZodPipe<z.ZodString, z.ZodTransform<CountryCode, string>> {
  return z.string().transform((value, ctx) => {
    if (isSupportedCountry(value)) return value;
    ctx.addIssue({ code: 'custom', message: expected(COUNTRY_ALLOWED) });
    return z.NEVER;
  });
}

export const PROMPT_ALLOWED = 'a prompt name (letters, digits, _ and -, optionally in folders like ivr/busy), or null for none';

/** Prompt names become file paths in FreeSWITCH, so dots (and with them `..`) are refused. */
export function promptNameSchema(): z.ZodNullable<z.ZodString> {
  return z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, expected(PROMPT_ALLOWED))
    .nullable();
}
