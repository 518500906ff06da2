/**
 * Longest-prefix rate selection (B1) over rates held in memory: an in-memory tariff, or a CSV
 * import being checked before it is stored. The store's findRateByLongestPrefix does the same
 * in SQL.
 *
 * No match means no rate, and no rate means the leg is not dialed (A6: a leg A to a destination
 * that is not in the callback tariff is never dialed). As in the store, prefixes are non-empty
 * digit strings; an empty prefix matches nothing, so a malformed row can never become a
 * catch-all that makes every destination (Inmarsat included) dialable.
 */
export interface Prefixed {
  readonly prefix: string;
}

/** Digits of an E.164 number (leading `+` allowed) or of bare digits; anything else is a caller bug. */
function digitsOf(number: string): string {
  const digits = number.startsWith('+') ? number.slice(1) : number;
  if (!/^[0-9]+$/.test(digits)) throw new RangeError(`cannot rate ${JSON.stringify(number)}: expected digits, optionally after a +`);
  return digits;
}

/** When two rates share a prefix (the store forbids it), the first in the list wins. */
export function longestPrefixMatch<R extends Prefixed>(rates: readonly R[], number: string): R | undefined {
  const digits = digitsOf(number);
  let best: R | undefined;
  for (const rate of rates) {
    if (rate.prefix.length > 0 && digits.startsWith(rate.prefix) && (!best || rate.prefix.length > best.prefix.length)) best = rate;
  }
  return best;
}

/**
 * The same answer as longestPrefixMatch, from an index built once: each lookup costs one map
 * probe per digit of the number instead of a scan of the whole tariff.
 */
export function prefixMatcher<R extends Prefixed>(rates: readonly R[]): (number: string) => R | undefined {
  const byPrefix = new Map<string, R>();
  for (const rate of rates) {
    if (rate.prefix.length > 0 && !byPrefix.has(rate.prefix)) byPrefix.set(rate.prefix, rate);
  }
  return (number) => {
    const digits = digitsOf(number);
    for (let length = digits.length; length > 0; length -= 1) {
      const rate = byPrefix.get(digits.slice(0, length));
      if (rate) return rate;
    }
    return undefined;
  };
}
