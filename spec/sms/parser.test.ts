import fc from 'fast-check';
import { DateTime } from 'luxon';
import type { E164 } from '../../lib/domain/phone-number';
import { parseSmsCommand, type ParseOptions, type ParseResult, type SmsCommand } from '../../lib/sms/parser';

const ZONE = 'Europe/Berlin';
/** Thursday 26 November 2026, 10:30 in Berlin (09:30 UTC). */
const NOW = DateTime.fromObject({ year: 2026, month: 11, day: 26, hour: 10, minute: 30 }, { zone: ZONE }).toMillis();
const options: ParseOptions = { now: NOW, timeZone: ZONE, defaultCountry: 'DE' };

const A = '+49301234567' as E164;
const B = '+4915112345678' as E164;
const C = '+14155552671' as E164;

function berlin(text: string): number {
  return DateTime.fromFormat(text, 'dd.MM.yyyy HH:mm', { zone: ZONE }).toMillis();
}

function parse(text: string, overrides: Partial<ParseOptions> = {}): ParseResult {
  return parseSmsCommand(text, { ...options, ...overrides });
}

function command(text: string, overrides: Partial<ParseOptions> = {}): SmsCommand {
  const result = parse(text, overrides);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${result.reason}`);
  return result.command;
}

describe('parseSmsCommand: every form', () => {
  it.each<[string, SmsCommand]>([
    // S1, one number: the sender is called first.
    ['*1*+49301234567', { kind: 'callback', second: A }],
    ['*1*0049301234567', { kind: 'callback', second: A }],
    ['*1*030 1234567', { kind: 'callback', second: A }],
    // S1, two numbers: number1 first, then number2.
    [`*1*${A}*${B}`, { kind: 'callback', first: A, second: B }],
    ['*1*+1 415 555 2671*0151 12345678', { kind: 'callback', first: C, second: B }],
    // Time alone: today in the account's zone.
    [`*1*12:00*${A}`, { kind: 'callback', second: A, at: berlin('26.11.2026 12:00') }],
    [`*1*19:45*${A}*${B}`, { kind: 'callback', first: A, second: B, at: berlin('26.11.2026 19:45') }],
    // Date and time.
    [`*1*30.04.2027*15:00*${A}`, { kind: 'callback', second: A, at: berlin('30.04.2027 15:00') }],
    [`*1*30.04.2027*15:00*${A}*${B}`, { kind: 'callback', first: A, second: B, at: berlin('30.04.2027 15:00') }],
    [`*1*1.5.2027*08:05*${A}`, { kind: 'callback', second: A, at: berlin('01.05.2027 08:05') }],
    // The seed's own spelling: date and time in one field.
    [`*1*30.04.2027 15:00*${A}*${B}`, { kind: 'callback', first: A, second: B, at: berlin('30.04.2027 15:00') }],
    // S4 conference: *3*number1*number2, optionally timed like *1.
    [`*3*${A}*${B}`, { kind: 'conference', a: A, b: B }],
    [`*3*18:30*${A}*${B}`, { kind: 'conference', a: A, b: B, at: berlin('26.11.2026 18:30') }],
    [`*3*24.12.2026*18:00*${A}*${B}`, { kind: 'conference', a: A, b: B, at: berlin('24.12.2026 18:00') }],
    // S2, S3, S4.
    ['#redial', { kind: 'redial' }],
    [`#register ${A}`, { kind: 'register', number: A }],
    [`#unregister ${B}`, { kind: 'unregister', number: B }],
    ['#reglist', { kind: 'reglist' }],
    ['#balance', { kind: 'balance' }],
  ])('%s', (text, expected) => {
    expect(parse(text)).toEqual({ ok: true, command: expected });
  });
});

describe('parseSmsCommand: tolerance', () => {
  it.each<[string, SmsCommand]>([
    ['  *1*+49301234567  ', { kind: 'callback', second: A }],
    ['* 1 * +49 30 1234567', { kind: 'callback', second: A }],
    ['*1* +49 (30) 123-4567 *\t0151/12345678\n', { kind: 'callback', first: A, second: B }],
    ['*1 * 12:00 * 00 49 30 1234567', { kind: 'callback', second: A, at: berlin('26.11.2026 12:00') }],
    ['*1*30.04.2027  15:00*+49301234567', { kind: 'callback', second: A, at: berlin('30.04.2027 15:00') }],
    ['#REDIAL', { kind: 'redial' }],
    ['# Redial ', { kind: 'redial' }],
    ['#Register +49 30 1234567', { kind: 'register', number: A }],
    ['#register0049301234567', { kind: 'register', number: A }],
    ['#register+49301234567', { kind: 'register', number: A }],
    ['#UNREGISTER 030 1234567', { kind: 'unregister', number: A }],
    ['#RegList', { kind: 'reglist' }],
    ['#BALANCE', { kind: 'balance' }],
    ['\u200B#balance', { kind: 'balance' }],
  ])('%j', (text, expected) => {
    expect(command(text)).toEqual(expected);
  });

  it('reads national numbers with the account country', () => {
    expect(command('*1*0201 1234567', { defaultCountry: 'DE' })).toEqual({ kind: 'callback', second: '+492011234567' as E164 });
    expect(command('*1*(415) 555-2671', { defaultCountry: 'US' })).toEqual({ kind: 'callback', second: C });
  });
});

describe('parseSmsCommand: times in the account zone', () => {
  it('reads the same wall time as different instants in different zones', () => {
    const tokyoNow = DateTime.fromObject({ year: 2026, month: 11, day: 26, hour: 8 }, { zone: 'Asia/Tokyo' }).toMillis();
    expect(command(`*1*12:00*${A}`, { timeZone: 'Asia/Tokyo', now: tokyoNow })).toEqual({
      kind: 'callback',
      second: A,
      at: DateTime.fromObject({ year: 2026, month: 11, day: 26, hour: 12 }, { zone: 'Asia/Tokyo' }).toMillis(),
    });
  });

  it('takes "today" from the account zone, not from UTC', () => {
    // 23:30 UTC on 26 November is already 27 November in Tokyo.
    const late = Date.UTC(2026, 10, 26, 23, 30);
    const result = command(`*1*12:00*${A}`, { timeZone: 'Asia/Tokyo', now: late });
    expect(result).toMatchObject({ at: DateTime.fromObject({ year: 2026, month: 11, day: 27, hour: 12 }, { zone: 'Asia/Tokyo' }).toMillis() });
  });

  it('reads a one-digit hour', () => {
    expect(command(`*1*9:05*${A}`, { now: berlin('26.11.2026 08:00') })).toMatchObject({ at: berlin('26.11.2026 09:05') });
  });

  it('accepts the current minute and refuses the one before', () => {
    const atMinute = berlin('26.11.2026 10:30');
    expect(command(`*1*10:30*${A}`, { now: atMinute })).toMatchObject({ at: atMinute });
    expect(parse(`*1*10:29*${A}`, { now: atMinute })).toMatchObject({ ok: false, code: 'time_past' });
  });

  it('refuses a time the clocks skip and takes the first of a time that happens twice', () => {
    const springNight = berlin('28.03.2027 00:30');
    expect(parse(`*1*02:30*${A}`, { now: springNight })).toEqual({
      ok: false,
      code: 'nonexistent_time',
      reason: '02:30 today does not exist in Europe/Berlin: the clocks skip it for daylight saving time',
    });
    expect(parse(`*1*28.03.2027*02:30*${A}`, { now: NOW })).toMatchObject({ ok: false, code: 'nonexistent_time' });
    const autumnNight = berlin('31.10.2027 00:30');
    const first = DateTime.fromISO('2027-10-31T02:30:00+02:00').toMillis();
    expect(command(`*1*02:30*${A}`, { now: autumnNight })).toMatchObject({ at: first });
  });

  it('limits how far ahead a call may be scheduled', () => {
    expect(command(`*1*25.11.2027*12:00*${A}`)).toMatchObject({ at: berlin('25.11.2027 12:00') });
    expect(parse(`*1*25.11.2027*12:00*${A}`, { maxDaysAhead: 30 })).toEqual({
      ok: false,
      code: 'too_far_ahead',
      reason: '25.11.2027 12:00 is more than 30 days ahead',
    });
  });
});

describe('parseSmsCommand: malformed input, each with its reason', () => {
  const LIST = '*1*number, *3*number1*number2, #redial, #register number, #unregister number, #reglist, #balance';
  it.each<[string, string, string]>([
    ['', 'empty', `the message is empty: send one of ${LIST}`],
    ['   \n ', 'empty', `the message is empty: send one of ${LIST}`],
    ['hello', 'unknown_command', `unknown command 'hello': send one of ${LIST}`],
    ['call me at 12', 'unknown_command', `unknown command 'call me at 12': send one of ${LIST}`],
    ['1*+49301234567', 'unknown_command', `unknown command '1*+49301234567': send one of ${LIST}`],
    ['*2*+49301234567', 'unknown_command', `unknown command '*2*+49301234567': use *1 (callback) or *3 (conference): ${LIST}`],
    ['**+49301234567', 'unknown_command', `unknown command '**+49301234567': use *1 (callback) or *3 (conference): ${LIST}`],
    ['*14930123456', 'unknown_command', "unknown command '*14930123456': put a '*' after *1, as in *1*number"],
    ['*1 +49301234567', 'unknown_command', "unknown command '*1 +49301234567': put a '*' after *1, as in *1*[[DD.MM.YYYY*]HH:MM*]number1[*number2]"],
    ['#redail', 'unknown_command', `unknown command '#redail': send one of ${LIST}`],
    ['#', 'unknown_command', `unknown command '#': send one of ${LIST}`],
    ['#3', 'unknown_command', `unknown command '#3': send one of ${LIST}`],
    ['#conference +49301234567 +4915112345678', 'unknown_command', `unknown command '#conference +4930123456…': send one of ${LIST}`],
    ['*1', 'missing_number', 'missing number: *1*[[DD.MM.YYYY*]HH:MM*]number1[*number2]'],
    ['*1*', 'missing_number', 'missing number: *1*[[DD.MM.YYYY*]HH:MM*]number1[*number2]'],
    ['*1*12:00', 'missing_number', 'missing number after the time: *1*[[DD.MM.YYYY*]HH:MM*]number1[*number2]'],
    ['*1*30.04.2027*12:00', 'missing_number', 'missing number after the time: *1*[[DD.MM.YYYY*]HH:MM*]number1[*number2]'],
    ['*1**+49301234567', 'empty_field', "empty field: two '*' with nothing between them"],
    ['*1*+49301234567*', 'empty_field', "empty field: nothing after the last '*'"],
    ['*1*+49301234567**+4915112345678', 'empty_field', "empty field: two '*' with nothing between them"],
    ['*1*+49301234567*+4915112345678*+14155552671', 'too_many_numbers', 'too many numbers: *1*[[DD.MM.YYYY*]HH:MM*]number1[*number2] takes one or two'],
    ['*1*+49301234567*030 1234567', 'same_numbers', 'both numbers are +49301234567: give two different numbers'],
    ['*1*abc', 'invalid_number', "number 'abc' is not a phone number: only digits, spaces and a leading + are allowed"],
    ['*1*+49301234567*call me', 'invalid_number', "number 'call me' is not a phone number: only digits, spaces and a leading + are allowed"],
    ['*1*+49 30 12345x', 'invalid_number', "number '+49 30 12345x' is not a phone number: only digits, spaces and a leading + are allowed"],
    ['*1*123', 'invalid_number', "number '123' is not a phone number: wrong length for its country"],
    ['*1*+999123456789', 'invalid_number', "number '+999123456789' is not a phone number: not a number of DE nor an international number"],
    ['*1*31.02.2027*12:00*+49301234567', 'invalid_date', 'date 31.02.2027 does not exist'],
    ['*1*29.02.2027*12:00*+49301234567', 'invalid_date', 'date 29.02.2027 does not exist'],
    ['*1*01.13.2027*12:00*+49301234567', 'invalid_date', 'date 01.13.2027 does not exist'],
    ['*1*30.04.27*12:00*+49301234567', 'invalid_date', "date '30.04.27' is not a date: write DD.MM.YYYY, e.g. 30.04.2027"],
    ['*1*2027-04-30*12:00*+49301234567', 'invalid_date', "date '2027-04-30' is not a date: write DD.MM.YYYY, e.g. 30.04.2027"],
    ['*1*30/04/2027*12:00*+49301234567', 'invalid_date', "date '30/04/2027' is not a date: write DD.MM.YYYY, e.g. 30.04.2027"],
    ['*1*25:00*+49301234567', 'invalid_time', 'time 25:00 is not a time: hours go from 00 to 23'],
    ['*1*24:00*+49301234567', 'invalid_time', 'time 24:00 is not a time: hours go from 00 to 23'],
    ['*1*12:60*+49301234567', 'invalid_time', 'time 12:60 is not a time: minutes go from 00 to 59'],
    ['*1*12:5*+49301234567', 'invalid_time', "time '12:5' is not a time: write HH:MM, e.g. 09:30"],
    ['*1*12.00*+49301234567', 'invalid_time', "time '12.00' is not a time: write HH:MM, e.g. 09:30"],
    ['*1*12h30*+49301234567', 'invalid_time', "time '12h30' is not a time: write HH:MM, e.g. 09:30"],
    ['*1*noon:00*+49301234567', 'invalid_time', "time 'noon:00' is not a time: write HH:MM, e.g. 09:30"],
    ['*1*30.04.2027*+49301234567', 'date_needs_time', 'a date needs a time: *1*DD.MM.YYYY*HH:MM*number'],
    ['*1*30.04.2027', 'date_needs_time', 'a date needs a time: *1*DD.MM.YYYY*HH:MM*number'],
    ['*1*+49301234567*12:00', 'out_of_order', "the time '12:00' is out of place: the date and time come before the numbers, as in *1*[[DD.MM.YYYY*]HH:MM*]number1[*number2]"],
    ['*1*12:00*30.04.2027*+49301234567', 'out_of_order', "the date '30.04.2027' is out of place: the date and time come before the numbers, as in *1*[[DD.MM.YYYY*]HH:MM*]number1[*number2]"],
    ['*1*09:00*+49301234567', 'time_past', '09:00 is already past today in Europe/Berlin'],
    ['*1*00:00*+49301234567', 'time_past', '00:00 is already past today in Europe/Berlin'],
    ['*1*25.11.2026*12:00*+49301234567', 'time_past', '25.11.2026 12:00 is already past in Europe/Berlin'],
    ['*1*30.04.2012*15:00*+49301234567', 'time_past', '30.04.2012 15:00 is already past in Europe/Berlin'],
    ['*1*01.01.2099*12:00*+49301234567', 'too_far_ahead', '01.01.2099 12:00 is more than 365 days ahead'],
    ['*3*+49301234567', 'missing_number', 'a conference needs two numbers: *3*[[DD.MM.YYYY*]HH:MM*]number1*number2'],
    ['*3*12:00*+49301234567', 'missing_number', 'a conference needs two numbers: *3*[[DD.MM.YYYY*]HH:MM*]number1*number2'],
    ['*3*+49301234567*+4915112345678*+14155552671', 'too_many_numbers', 'too many numbers: a conference joins two: *3*[[DD.MM.YYYY*]HH:MM*]number1*number2'],
    ['*3*+49301234567*0049301234567', 'same_numbers', 'both numbers are +49301234567: give two different numbers'],
    ['*3', 'missing_number', 'missing number: *3*[[DD.MM.YYYY*]HH:MM*]number1*number2'],
    ['#register', 'missing_number', '#register needs a number: #register number'],
    ['#unregister   ', 'missing_number', '#unregister needs a number: #unregister number'],
    ['#register me', 'invalid_number', "number 'me' is not a phone number: only digits, spaces and a leading + are allowed"],
    ['#unregister 12', 'invalid_number', "number '12' is not a phone number: wrong length for its country"],
    ['#redial +49301234567', 'unexpected_argument', "#redial takes nothing after it, but got '+49301234567'"],
    ['#reglist please', 'unexpected_argument', "#reglist takes nothing after it, but got 'please'"],
    ['#balance?', 'unexpected_argument', "#balance takes nothing after it, but got '?'"],
  ])('%j → %s', (text, code, reason) => {
    expect(parse(text)).toEqual({ ok: false, code, reason });
  });

  it('reports an unknown account zone instead of throwing', () => {
    expect(parse(`*1*12:00*${A}`, { timeZone: 'Mars/Olympus' })).toEqual({
      ok: false,
      code: 'invalid_zone',
      reason: 'the account\'s time zone "Mars/Olympus" is unknown',
    });
  });

  it('cuts long echoes of the input short so the reply fits an SMS', () => {
    const result = parse(`please call ${'9'.repeat(300)}`);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeLessThan(160);
  });
});

describe('parseSmsCommand: properties', () => {
  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        const result = parse(text);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on near-miss commands built from the grammar', () => {
    const piece = fc.constantFrom('*', '#', '1', '3', '*1*', '*3*', ':', '.', ' ', '+', '00', '49', '30', '1234567', '12:00', '31.02.2027', '24.12.2026', 'redial', 'REGISTER ', 'unregister', 'reglist', 'balance', 'x', '-', '/', 'h', '\n');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.constantFrom('Europe/Berlin', 'Asia/Tokyo', 'America/New_York', 'Nowhere/Else'), (pieces, timeZone) => {
        const result = parse(pieces.join(''), { timeZone });
        if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads a number the same way however it is spaced, prefixed or cased', () => {
    const numbers = ['+49301234567', '+4915112345678', '+14155552671', '+79264567893', '+442079460958'];
    const spaced = (digits: string) =>
      fc.array(fc.constantFrom('', ' ', '  '), { minLength: digits.length, maxLength: digits.length }).map((gaps) => [...digits].map((d, i) => d + gaps[i]).join(''));
    const written = fc
      .tuple(fc.constantFrom(...numbers), fc.constantFrom('+', '00', '+ ', '00 '))
      .chain(([number, prefix]) => spaced(number.slice(1)).map((digits) => ({ number, text: `${prefix}${digits}` })));
    const keyword = fc.constantFrom('register', 'REGISTER', 'Register', 'unregister', 'UnRegister');
    fc.assert(
      fc.property(written, written, keyword, ({ number, text }, other, word) => {
        expect(command(`*1*${text}`)).toEqual({ kind: 'callback', second: number });
        expect(command(`#${word} ${text}`)).toEqual({ kind: word.toLowerCase(), number });
        if (other.number !== number) {
          expect(command(` * 1 * ${text} * ${other.text} `)).toEqual({ kind: 'callback', first: number, second: other.number });
          expect(command(`*3*${text}*${other.text}`)).toEqual({ kind: 'conference', a: number, b: other.number });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('schedules any future minute of the coming days at exactly that wall time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (days, hour, minute) => {
        const day = DateTime.fromMillis(NOW, { zone: ZONE }).plus({ days }).set({ hour, minute, second: 0, millisecond: 0 });
        if (!day.isValid || day.hour !== hour) return; // a DST gap: covered above
        const text = `*1*${day.toFormat('dd.MM.yyyy')}*${day.toFormat('HH:mm')}*${A}`;
        expect(command(text)).toEqual({ kind: 'callback', second: A, at: day.toMillis() });
      }),
      { numRuns: 300 },
    );
  });
});
