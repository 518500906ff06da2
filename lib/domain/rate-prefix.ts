import type { Extension } from './call-endpoint';

/**
 * What a rate row's prefix prices (issue #17 item 5). Digits price E.164 numbers (the number
 * without `+`, longest prefix wins); `ext:` and digits price legs to an extension on the node
 * (call_extension), longest prefix of the extension number, `ext:` alone every extension. Bare
 * digits would clash with country codes (extension 44 is not the UK), hence the distinct form:
 * a number's look-up only ever asks for digit prefixes, an extension's only for `ext:` ones.
 */
export const EXTENSION_RATE_PREFIX = 'ext:';

/** rates.prefix and cdrs.rate_prefix hold 15 characters: 15 digits, or `ext:` and 11. */
export const RATE_PREFIX_MAX_LENGTH = 15;
export const EXTENSION_PREFIX_MAX_DIGITS = RATE_PREFIX_MAX_LENGTH - EXTENSION_RATE_PREFIX.length;

const NUMBER_PREFIX = /^[0-9]{1,15}$/;
const EXTENSION_PREFIX = /^ext:[0-9]{0,11}$/;

export function isExtensionRatePrefix(prefix: string): boolean {
  return EXTENSION_PREFIX.test(prefix);
}

/** What is wrong with `text` as a rate prefix (a sentence naming the two forms), or null when it is one. */
export function ratePrefixProblem(text: string): string | null {
  if (NUMBER_PREFIX.test(text) || EXTENSION_PREFIX.test(text)) return null;
  const got = JSON.stringify(text);
  if (/^ext:/i.test(text)) {
    if (!text.startsWith(EXTENSION_RATE_PREFIX)) return `expected ext: in lower case (got ${got})`;
    return `expected ext: followed by at most ${EXTENSION_PREFIX_MAX_DIGITS} digits of the extension, or ext: alone for every extension (got ${got})`;
  }
  if (/^\+[0-9]+$/.test(text)) return `expected the digits without + (got ${got})`;
  return `expected 1 to 15 digits (the number without +), or ext: and up to ${EXTENSION_PREFIX_MAX_DIGITS} digits for extension legs (got ${got})`;
}

/**
 * The prefixes an extension's rate is looked up by, longest first, down to `ext:` alone: "1001"
 * → ext:1001, ext:100, ext:10, ext:1, ext:. A longer extension is matched on its first 11 digits
 * (no stored prefix is longer).
 */
export function extensionRatePrefixes(extension: Extension): string[] {
  const digits = extension.slice(0, EXTENSION_PREFIX_MAX_DIGITS);
  return Array.from({ length: digits.length + 1 }, (_, index) => EXTENSION_RATE_PREFIX + digits.slice(0, digits.length - index));
}

/** The rate of the longest prefix among `rates` (the rows found for `prefixes`), or null: what a store's look-up returns. */
export function longestOf<R extends { readonly prefix: string }>(rates: readonly R[]): R | null {
  let best: R | null = null;
  for (const rate of rates) if (!best || rate.prefix.length > best.prefix.length) best = rate;
  return best;
}
