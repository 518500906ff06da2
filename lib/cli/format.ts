import { formatAmount, minorUnits } from '../domain/money';

/** Text for tables and records; JSON output carries the raw values instead. */

export function amount(minor: number, currency?: string): string {
  const text = formatAmount(minorUnits(minor));
  return currency === undefined ? text : `${text} ${currency}`;
}

/** Instants in UTC, to the second: the same for every operator, whatever their zone. */
export function when(epochMs: number | null): string {
  return epochMs === null ? '-' : new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : String(value);
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
