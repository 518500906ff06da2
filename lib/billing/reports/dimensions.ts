import { DateTime } from 'luxon';
import type { Grouping, GroupKey, Period, ReportCdr } from './types';

/** Shown for a leg that was never rated (no payer or no matching rate). */
export const UNRATED = 'unrated';

const PERIOD_FORMAT: { readonly [P in Period]: string } = {
  hour: "yyyy-MM-dd'T'HH",
  day: 'yyyy-MM-dd',
  month: 'yyyy-MM',
};

/** The calendar bucket an instant falls in, as the operator's wall clock reads it. */
export function periodOf(epochMs: number, period: Period, timeZone: string): string {
  return DateTime.fromMillis(epochMs, { zone: timeZone }).toFormat(PERIOD_FORMAT[period]);
}

export function destinationOf(cdr: ReportCdr, digits: number | null): string {
  if (digits === null) return cdr.ratePrefix ?? UNRATED;
  return cdr.number.replace(/^\+/, '').slice(0, digits);
}

export function groupKeyOf(cdr: ReportCdr, grouping: Grouping): GroupKey {
  const key: GroupKey = { currency: cdr.currency };
  for (const dimension of grouping.by) {
    if (dimension === 'account') key.account = { id: cdr.accountId, name: cdr.accountName };
    if (dimension === 'destination') key.destination = destinationOf(cdr, grouping.destinationDigits);
    if (dimension === 'period') key.period = periodOf(cdr.startedAt, grouping.period, grouping.timeZone);
    if (dimension === 'carrier') key.carrier = cdr.carrier;
  }
  return key;
}

/** A string equal for equal keys (the account's name is not part of identity, its id is). */
export function keyString(key: GroupKey): string {
  return JSON.stringify([key.account?.id, key.destination, key.period, key.carrier, key.currency]);
}

/** Accounts by id, then destination, period, carrier and currency as text; what is unknown comes last. */
export function compareKeys(a: GroupKey, b: GroupKey): number {
  const accountOrder = (key: GroupKey) => key.account?.id ?? Number.MAX_SAFE_INTEGER;
  return (
    accountOrder(a) - accountOrder(b) ||
    compareText(a.destination, b.destination) ||
    compareText(a.period, b.period) ||
    compareText(a.carrier, b.carrier) ||
    compareText(a.currency, b.currency)
  );
}

function compareText(a: string | null | undefined, b: string | null | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}
