/**
 * Money is always an integer count of the currency's minor unit (cents), never a float.
 * Rates per minute are kept in a finer unit (see billing) so that per-second rating stays exact.
 */
export type MinorUnits = number & { readonly __brand: 'MinorUnits' };

export class InvalidAmount extends Error {
  constructor(readonly input: unknown) {
    super(`invalid amount ${JSON.stringify(input)}: expected a whole number of minor units`);
    this.name = 'InvalidAmount';
  }
}

export function minorUnits(value: number): MinorUnits {
  if (!Number.isSafeInteger(value)) throw new InvalidAmount(value);
  return value as MinorUnits;
}

/** Parses a decimal string such as "12.34" with the currency's exponent, exactly (no float maths). */
export function parseDecimalAmount(text: string, exponent = 2): MinorUnits {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new InvalidAmount(text);
  const [, sign, whole = '0', fraction = ''] = match;
  if (fraction.length > exponent) throw new InvalidAmount(text);
  const value = Number(whole + fraction.padEnd(exponent, '0'));
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
