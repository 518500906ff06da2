import { durationText, moneyText, rateText, timeText } from '../../lib/http/portal/format';
import { nationalCountry } from '../../lib/domain/national-country';
import { searchRates, RATES_SHOWN } from '../../lib/http/portal/rate-search';
import type { Rate } from '../../lib/store';
import { currencyExponent, minorUnits } from '../../lib/domain/money';

describe('portal formats: amounts, rates, durations and times of the account', () => {
  it("formats integer minor units in the account's currency and language, exactly", () => {
    expect(moneyText(1234, 'USD', 'en')).toBe('$12.34');
    expect(moneyText(-5, 'USD', 'en')).toBe('-$0.05');
    expect(moneyText(1234, 'EUR', 'de')).toBe('12,34\u00a0€');
    expect(moneyText(1234, 'JPY', 'en')).toBe('¥1,234');
    expect(currencyExponent('JPY')).toBe(0);
    // Beyond a float's exact range in major units: still every digit.
    expect(moneyText(900719925474099, 'USD', 'en')).toBe('$9,007,199,254,740.99');
    // An unknown language falls back to English, not a crash.
    expect(moneyText(100, 'USD', 'xx-invalid-$')).toBe('$1.00');
  });

  it('formats per-minute rates (micro-units) with four decimals at least, more only when needed', () => {
    expect(rateText(12500, 'USD', 'en')).toBe('$0.0125');
    expect(rateText(1_000_000, 'USD', 'en')).toBe('$1.0000');
    expect(rateText(12345, 'USD', 'en')).toBe('$0.012345');
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    expect(durationText(0)).toBe('0:00');
    expect(durationText(65)).toBe('1:05');
    expect(durationText(3723)).toBe('1:02:03');
  });

  it("shows a moment in the account's zone, with the zone's name", () => {
    const at = Date.parse('2026-12-06T20:07:00Z');
    expect(timeText(at, 'America/New_York', 'en')).toBe('Dec 6, 2026, 3:07 PM EST');
    expect(timeText(at, 'Europe/Berlin', 'en')).toBe('Dec 6, 2026, 9:07 PM GMT+1');
  });
});

describe('national numbers: the country they are read in', () => {
  it("is the account's country when it has one", () => {
    expect(nationalCountry({ country: 'DE' }, ['+12125550100'], 'US')).toBe('DE');
  });

  it("is the country of the account's own numbers when it has none, else the service's default", () => {
    expect(nationalCountry({ country: null }, [null, '+493012345678', '+12125550100'], 'US')).toBe('DE');
    expect(nationalCountry({ country: null }, ['+442071838750'], 'US')).toBe('GB');
    expect(nationalCountry({ country: null }, [], 'FR')).toBe('FR');
  });
});

describe('rate search', () => {
  const rate = (prefix: string, description: string): Rate => ({
    id: Number(prefix),
    tariffId: 1,
    prefix,
    description,
    ratePerMinute: 100,
    connectionFeeMinor: minorUnits(0),
    incrementFirstSeconds: 60,
    incrementNextSeconds: 60,
    minimumSeconds: 0,
  });
  const rates = [rate('1', 'USA'), rate('49', 'Germany'), rate('4930', 'Berlin'), rate('49151', 'Germany mobile'), rate('44', 'United Kingdom')];

  it('finds the rates that price a number, longest prefix first, and the longer prefixes a prefix starts', () => {
    expect(searchRates(rates, '+49 30 1234567').rates.map((r) => r.prefix)).toEqual(['4930', '49']);
    expect(searchRates(rates, '0049').rates.map((r) => r.prefix)).toEqual(['49', '49151', '4930']);
  });

  it('finds destinations by name, and lists all (up to a limit) without a search', () => {
    expect(searchRates(rates, 'germany').rates.map((r) => r.prefix)).toEqual(['49', '49151']);
    expect(searchRates(rates, '').rates).toHaveLength(5);
    const many = Array.from({ length: RATES_SHOWN + 1 }, (_, i) => rate(String(100 + i), 'x'));
    expect(searchRates(many, '')).toMatchObject({ more: true });
    expect(searchRates(many, '').rates).toHaveLength(RATES_SHOWN);
  });
});
