import { DateTime } from 'luxon';
import { currencyExponent, formatAmount, minorUnits } from '../../domain/money';
import { MICRO_UNITS_PER_MINOR } from '../../store';

/*
 * Amounts, rates, durations and times as the subscriber reads them: in the account's currency,
 * language and time zone. Amounts stay integers until the last step; Intl gets them as exact
 * decimal strings (Node 20's Intl.NumberFormat reads strings without going through a float).
 */

/** Intl.NumberFormat#format as ES2023 types it (this project's lib is ES2022): a decimal string is read exactly. */
interface DecimalFormat {
  format(value: string): string;
  resolvedOptions(): { maximumFractionDigits?: number };
}

function currencyFormat(locale: string, currency: string, minimumFractionDigits?: number): DecimalFormat {
  const options: Intl.NumberFormatOptions = { style: 'currency', currency };
  if (minimumFractionDigits !== undefined) Object.assign(options, { minimumFractionDigits, maximumFractionDigits: Math.max(minimumFractionDigits, 20) });
  try {
    return new Intl.NumberFormat(locale, options) as unknown as DecimalFormat;
  } catch {
    // An account language Intl does not know: English still shows the right currency.
    return new Intl.NumberFormat('en', options) as unknown as DecimalFormat;
  }
}

const MICRO_DIGITS = String(MICRO_UNITS_PER_MINOR).length - 1;

/** An amount of minor units, e.g. 1234 USD in `en` → "$12.34". */
export function moneyText(minor: number, currency: string, locale: string): string {
  return currencyFormat(locale, currency).format(formatAmount(minorUnits(minor), currencyExponent(currency)));
}

/**
 * A per-minute rate (micro-units: 1/10000 of a minor unit) with the precision rates are written
 * in: at least two more decimals than the currency, trailing zeros beyond that dropped.
 */
export function rateText(microUnits: number, currency: string, locale: string): string {
  const minor = currencyExponent(currency);
  return currencyFormat(locale, currency, minor + 2).format(formatAmount(minorUnits(microUnits), minor + MICRO_DIGITS));
}

/** A call's length: "0:42", "12:05", "1:02:03". */
export function durationText(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A moment in the account's zone and language, e.g. "Dec 6, 2026, 3:07 PM EST". */
export function timeText(ms: number, zone: string, locale: string): string {
  return DateTime.fromMillis(ms, { zone }).setLocale(locale).toLocaleString({ ...DateTime.DATETIME_MED, timeZoneName: 'short' });
}

/** The zone's name as the subscriber knows it, e.g. "Eastern Standard Time". */
export function zoneText(ms: number, zone: string, locale: string): string {
  return DateTime.fromMillis(ms, { zone }).setLocale(locale).offsetNameLong ?? zone;
}
