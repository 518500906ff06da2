/**
 * Integer helpers for the money paths. Rating multiplies seconds by micro-unit rates, which can
 * pass Number.MAX_SAFE_INTEGER long before the resulting cost does, so every intermediate value
 * is a BigInt and only the final results come back as numbers — and only when they are exact.
 */

/** A count that must be a whole, non-negative, exactly representable number. */
export function checkWholeNonNegative(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got ${String(value)}`);
  }
  return value;
}

export function wholeNonNegative(value: number, what: string): bigint {
  return BigInt(checkWholeNonNegative(value, what));
}

/** Back to a number, refusing rather than silently rounding a value beyond 2^53 − 1. */
export function exactNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} of ${value} is beyond ${Number.MAX_SAFE_INTEGER} and cannot be represented exactly`);
  }
  return Number(value);
}

/** ⌈n / d⌉ for n ≥ 0, d > 0 (BigInt division alone truncates, i.e. rounds down here). */
export function ceilDiv(n: bigint, d: bigint): bigint {
  return (n + d - 1n) / d;
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
