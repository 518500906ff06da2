/**
 * Money is always an integer count of the currency's minor unit (cents), never a float.
 * Rates per minute are kept in a finer unit (see billing) so that per-second rating stays exact.
 */
export type MinorUnits = number & { readonly __brand: 'MinorUnits' };

/**
 * The largest amount the service accepts or lets a balance reach, either sign: 10^12 minor units
 * (10,000,000,000.00 in a two-decimal currency). Far beyond any real balance, and far enough below
 * 2^53 that sums of a few of them (balance + credit limit − held, a cost added to a balance) stay
 * exact integers in JavaScript and in both databases. Every write path that takes money refuses
 * beyond it: payments, balances they produce, credit limits, card values, connection fees.
 */
export const MONEY_MAX_MINOR = 1_000_000_000_000;

/**
 * Rates per minute are kept in micro-units (1/10000 of a minor unit): bounded by the same figure,
 * i.e. at most 10^8 minor units (1,000,000.00) a minute, so a rate times any billable duration
 * stays within BigInt rating and its minute cost within MONEY_MAX_MINOR.
 */
export const RATE_PER_MINUTE_MAX_MICRO = MONEY_MAX_MINOR;

export class InvalidAmount extends Error {
  constructor(
    readonly input: unknown,
    reason = 'expected a whole number of minor units',
  ) {
    super(`invalid amount ${JSON.stringify(input)}: ${reason}`);
    this.name = 'InvalidAmount';
  }
}

export function minorUnits(value: number): MinorUnits {
  if (!Number.isSafeInteger(value)) throw new InvalidAmount(value);
  return value as MinorUnits;
}

/** Whole and within ±MONEY_MAX_MINOR: what any amount or balance we write must be. */
export function isBoundedMinor(value: unknown): value is MinorUnits {
  return typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) <= MONEY_MAX_MINOR;
}

export const MONEY_BOUND_TEXT = `from -${MONEY_MAX_MINOR} to ${MONEY_MAX_MINOR} minor units`;

/**
 * Parses a decimal string such as "12.34" with the currency's exponent, exactly (no float maths),
 * refusing more than MONEY_MAX_MINOR units of the result (minor units, or micro-units for a rate).
 */
export function parseDecimalAmount(text: string, exponent = 2): MinorUnits {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new InvalidAmount(text);
  const [, sign, whole = '0', fraction = ''] = match;
  if (fraction.length > exponent) throw new InvalidAmount(text);
  const value = Number(whole + fraction.padEnd(exponent, '0'));
  if (value > MONEY_MAX_MINOR) throw new InvalidAmount(text, `at most ${formatAmount(minorUnits(MONEY_MAX_MINOR), exponent)} either way`);
  return minorUnits(sign ? -value : value);
}

export function formatAmount(amount: MinorUnits, exponent = 2): string {
  const negative = amount < 0;
  const digits = Math.abs(amount).toString().padStart(exponent + 1, '0');
  const text = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return negative ? `-${text}` : text;
}

/** Digits after the decimal point in `currency` (2 for USD, 0 for JPY): what one minor unit is. An unknown code gets 2. */
export function currencyExponent(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}
