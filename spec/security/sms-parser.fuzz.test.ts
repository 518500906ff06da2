import fc from 'fast-check';
import type { CountryCode } from 'libphonenumber-js';
import { InvalidPhoneNumber, isE164, toE164 } from '../../lib/domain/phone-number';
import { parseSmsCommand, type ParseErrorCode, type ParseResult, type SmsCommand } from '../../lib/sms/parser';
import { DIAL_STRING_ATTACKS, SQL_ATTACKS, syntaxHeavyString } from './support/hostile';

const ERROR_CODES: readonly ParseErrorCode[] = [
  'empty', 'unknown_command', 'empty_field', 'missing_number', 'too_many_numbers', 'same_numbers', 'unexpected_argument',
  'invalid_number', 'invalid_date', 'invalid_time', 'date_needs_time', 'out_of_order', 'nonexistent_time', 'time_past', 'too_far_ahead', 'invalid_zone',
];
const E164 = /^\+[1-9]\d{6,14}$/;
const NOW = Date.UTC(2026, 10, 26, 12, 0);

function numbersOf(command: SmsCommand): string[] {
  switch (command.kind) {
    case 'callback':
      return [command.first, command.second].filter((n): n is NonNullable<typeof n> => n !== undefined);
    case 'conference':
      return [command.a, command.b];
    case 'register':
    case 'unregister':
      return [command.number];
    default:
      return [];
  }
}

/** A result is either a command whose numbers are clean E.164, or a known code with a readable reason. */
function expectPrecise(result: ParseResult): void {
  if (result.ok) {
    for (const number of numbersOf(result.command)) expect(number).toMatch(E164);
    const at = 'at' in result.command ? result.command.at : undefined;
    if (at !== undefined) expect(Number.isFinite(at)).toBe(true);
    return;
  }
  expect(ERROR_CODES).toContain(result.code);
  expect(result.reason.length).toBeGreaterThan(0);
  // A reply is one SMS: an attacker's long text is never echoed back in full.
  expect(result.reason.length).toBeLessThanOrEqual(300);
}

const commandLike = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.tuple(fc.constantFrom('*1*', '*3*', '#register ', '#unregister ', '*1*12:00*', '*1*31.12.2026*23:59*', ''), fc.oneof(syntaxHeavyString(40), fc.constantFrom(...DIAL_STRING_ATTACKS, ...SQL_ATTACKS)), fc.constantFrom('', '*+4930123456', '*' + '9'.repeat(400)))
    .map(([head, middle, tail]) => `${head}${middle}${tail}`),
);

describe('SMS command parser under hostile input', () => {
  it('any text, in any zone, country and clock, gives a command with clean E.164 numbers or a precise error, never a throw', () => {
    fc.assert(
      fc.property(
        commandLike,
        fc.oneof(fc.constantFrom('Europe/Berlin', 'Pacific/Kiritimati', 'America/St_Johns'), fc.string({ maxLength: 20 })),
        fc.constantFrom<CountryCode | undefined>('DE', 'US', 'IN', undefined, 'ZZ' as CountryCode),
        // Any instant a clock can give (the hostile part is the text; `now` comes from our clock).
        fc.oneof(fc.constant(NOW), fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) })),
        (text, timeZone, defaultCountry, now) => {
          let result: ParseResult | undefined;
          expect(() => {
            result = parseSmsCommand(text, { now, timeZone, ...(defaultCountry ? { defaultCountry } : {}) });
          }).not.toThrow();
          expectPrecise(result as ParseResult);
        },
      ),
      { numRuns: 4000 },
    );
  });

  it('no dial-string or SQL syntax typed into a number survives into a parsed command', () => {
    for (const attack of [...DIAL_STRING_ATTACKS, ...SQL_ATTACKS]) {
      for (const text of [`*1*${attack}`, `*1*+4930123456*${attack}`, `*3*${attack}*+4930123457`, `#register ${attack}`]) {
        const result = parseSmsCommand(text, { now: NOW, timeZone: 'Europe/Berlin', defaultCountry: 'DE' });
        expectPrecise(result);
      }
    }
  });

  it('a huge message is refused with a short error, not echoed back', () => {
    const result = parseSmsCommand(`*1*${'1 '.repeat(50_000)}`, { now: NOW, timeZone: 'Europe/Berlin', defaultCountry: 'DE' });
    expectPrecise(result);
    expect(result.ok).toBe(false);
  });
});

describe('phone numbers as typed', () => {
  it('whatever is typed, in any country, toE164 gives a number every later check (store, dial string) accepts, or InvalidPhoneNumber', () => {
    const typed = fc.oneof(
      fc.stringMatching(/^(\+|00)?[0-9 ()./-]{0,18}$/),
      fc.string({ unit: fc.constantFrom(...'0123456789+ ()./-'.split('')), maxLength: 20 }),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(typed, fc.constantFrom<CountryCode | undefined>('DE', 'US', 'GB', 'IN', 'RU', 'BR', 'AT', 'CH', undefined), (text, country) => {
        let number: string;
        try {
          number = toE164(text, country);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidPhoneNumber);
          return;
        }
        expect({ text, country, number, valid: isE164(number) }).toEqual({ text, country, number, valid: true });
      }),
      { numRuns: 5000 },
    );
  });
});
