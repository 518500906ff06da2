import type { CountryCode } from 'libphonenumber-js';
import type { E164 } from '../../domain/phone-number';
import { failure, success, type ParseResult, type SmsCommand, type Step } from './commands';
import { classify, readDate, readTime, splitDateTime, type DateField, type TimeField } from './fields';
import { readNumber } from './numbers';
import { CALLBACK_SYNTAX, COMMAND_LIST, CONFERENCE_SYNTAX, DATED_SYNTAX, quote } from './syntax';
import { MAX_DAYS_AHEAD } from '../../scheduler/schedule-time';
import { resolveWhen } from './when';

export interface ParseOptions {
  /** Epoch ms the message arrived: "today" and "already past" are judged against it. */
  readonly now: number;
  /** The account's IANA zone: dates and times in a message are its wall-clock times. */
  readonly timeZone: string;
  /** For numbers typed without `+` or `00`. */
  readonly defaultCountry?: CountryCode;
  /** How far ahead a call may be scheduled (default 365 days). */
  readonly maxDaysAhead?: number;
}

/**
 * Reads an SMS command (SPEC S1–S4). Pure: the same text and options always give the same
 * result, nothing is looked up, and no input makes it throw.
 *
 * Forms (keywords in any case; spaces allowed anywhere between fields and inside numbers;
 * numbers as `+49…`, `0049…` or national for `defaultCountry`):
 *
 *   *1*[[DD.MM.YYYY*]HH:MM*]number1[*number2]
 *       callback. One number: call the sender, then number1. Two: call number1, then number2.
 *       A time alone is today in the account's zone and must not be past; a date needs a time.
 *       The seed's "DD.MM.YYYY HH:MM" (one field, space between) is accepted too.
 *   *3*[[DD.MM.YYYY*]HH:MM*]number1*number2
 *       conference: call both numbers at once and connect them (the sender is not a party).
 *       `*3` because that is the in-call code for a conference (D6), next to `*1` for callback.
 *   #redial                 repeat the account's last callback now
 *   #register number        authorize one more number to send commands, once verified: a
 *                           code is sent to it
 *   #verify number code     the 6-digit code sent to that number (space or * before it)
 *   #unregister number      remove a number from that list
 *   #reglist                list the authorized numbers
 *   #balance                the account's balance
 *
 * Anything else is refused with a reason the subscriber can act on.
 */
export function parseSmsCommand(text: string, options: ParseOptions): ParseResult {
  const normalized = text.replace(/[\u200B-\u200D\uFEFF]/g, '').replace(/\s+/g, ' ').trim();
  const step = readCommand(normalized, options);
  return step.ok ? { ok: true, command: step.value } : step;
}

function readCommand(text: string, options: ParseOptions): Step<SmsCommand> {
  if (text === '') return failure('empty', `the message is empty: send one of ${COMMAND_LIST}`);
  if (text.startsWith('*')) return readStarCommand(text, options);
  if (text.startsWith('#')) return readHashCommand(text, options);
  return unknown(text);
}

function unknown(text: string, hint = `send one of ${COMMAND_LIST}`): Step<never> {
  return failure('unknown_command', `unknown command ${quote(text)}: ${hint}`);
}

const STAR = /^\*\s*(\d*)\s*(.*)$/s;

function readStarCommand(text: string, options: ParseOptions): Step<SmsCommand> {
  const [, code = '', rest = ''] = STAR.exec(text) ?? [];
  if (code !== '1' && code !== '3') {
    if (/^[13]\d/.test(code)) return unknown(text, `put a '*' after *${code[0]}, as in *${code[0]}*number`);
    return unknown(text, `use *1 (callback) or *3 (conference): ${COMMAND_LIST}`);
  }
  const syntax = code === '1' ? CALLBACK_SYNTAX : CONFERENCE_SYNTAX;
  if (rest === '') return failure('missing_number', `missing number: ${syntax}`);
  if (!rest.startsWith('*')) return unknown(text, `put a '*' after *${code}, as in ${syntax}`);
  const scheduled = readScheduled(rest.slice(1), syntax, options);
  if (!scheduled.ok) return scheduled;
  const { at, numbers } = scheduled.value;
  const when = at === undefined ? {} : { at };
  if (code === '1') {
    if (numbers.length > 2) return failure('too_many_numbers', `too many numbers: ${CALLBACK_SYNTAX} takes one or two`);
    const [first, second] = numbers as [E164, E164 | undefined];
    if (second === undefined) return success({ kind: 'callback', second: first, ...when });
    if (first === second) return failure('same_numbers', `both numbers are ${first}: give two different numbers`);
    return success({ kind: 'callback', first, second, ...when });
  }
  if (numbers.length !== 2) {
    const problem = numbers.length < 2 ? failure('missing_number', 'a conference needs two numbers') : failure('too_many_numbers', 'too many numbers: a conference joins two');
    return failure(problem.code, `${problem.reason}: ${CONFERENCE_SYNTAX}`);
  }
  const [a, b] = numbers as [E164, E164];
  if (a === b) return failure('same_numbers', `both numbers are ${a}: give two different numbers`);
  return success({ kind: 'conference', a, b, ...when });
}

interface Scheduled {
  readonly at?: number;
  /** At least one. */
  readonly numbers: readonly E164[];
}

/** `[[DD.MM.YYYY*]HH:MM*]number[*number…]`, read left to right, stopping at the first problem. */
function readScheduled(body: string, syntax: string, options: ParseOptions): Step<Scheduled> {
  const fields = body.split('*').map((field) => field.trim());
  const empty = fields.indexOf('');
  if (empty >= 0) {
    if (fields.length === 1) return failure('missing_number', `missing number: ${syntax}`);
    const where = empty === fields.length - 1 ? "nothing after the last '*'" : "two '*' with nothing between them";
    return failure('empty_field', `empty field: ${where}`);
  }

  let index = 0;
  let dateText: string | undefined;
  let timeText: string | undefined;
  const head = fields[0] ?? '';
  const headKind = classify(head);
  if (headKind === 'datetime') {
    [dateText, timeText] = splitDateTime(head);
    index = 1;
  } else if (headKind === 'date') {
    dateText = head;
    const next = fields[1];
    if (next === undefined || classify(next) !== 'time') return failure('date_needs_time', `a date needs a time: ${DATED_SYNTAX}`);
    timeText = next;
    index = 2;
  } else if (headKind === 'time') {
    timeText = head;
    index = 1;
  }

  let date: DateField | undefined;
  if (dateText !== undefined) {
    const read = readDate(dateText);
    if (!read.ok) return read;
    date = read.value;
  }
  let time: TimeField | undefined;
  if (timeText !== undefined) {
    const read = readTime(timeText);
    if (!read.ok) return read;
    time = read.value;
  }

  const numberFields = fields.slice(index);
  if (numberFields.length === 0) return failure('missing_number', `missing number after the time: ${syntax}`);
  const numbers: E164[] = [];
  for (const field of numberFields) {
    const kind = classify(field);
    if (kind !== 'number') {
      const what = kind === 'time' ? `the time ${quote(field)}` : `the date ${quote(field)}`;
      return failure('out_of_order', `${what} is out of place: the date and time come before the numbers, as in ${syntax}`);
    }
    const read = readNumber(field, options.defaultCountry);
    if (!read.ok) return read;
    numbers.push(read.value);
  }

  if (time === undefined) return success({ numbers });
  const at = resolveWhen(date, time, { now: options.now, timeZone: options.timeZone, maxDaysAhead: options.maxDaysAhead ?? MAX_DAYS_AHEAD });
  if (!at.ok) return at;
  return success({ at: at.value, numbers });
}

const HASH = /^#\s*([A-Za-z]*)\s*(.*)$/s;
/** A number, then the code after a space or a `*`: numbers may hold spaces, codes may not. */
const VERIFY_ARGUMENT = /^(.*\S)[\s*]+([0-9]{6})$/s;

function readHashCommand(text: string, options: ParseOptions): Step<SmsCommand> {
  const [, word = '', argument = ''] = HASH.exec(text) ?? [];
  const keyword = word.toLowerCase();
  switch (keyword) {
    case 'redial':
    case 'reglist':
    case 'balance':
      if (argument !== '') return failure('unexpected_argument', `#${keyword} takes nothing after it, but got ${quote(argument)}`);
      return success({ kind: keyword });
    case 'register':
    case 'unregister': {
      if (argument === '') return failure('missing_number', `#${keyword} needs a number: #${keyword} number`);
      const number = readNumber(argument, options.defaultCountry);
      return number.ok ? success({ kind: keyword, number: number.value }) : number;
    }
    case 'verify': {
      const [, numberText, code] = VERIFY_ARGUMENT.exec(argument) ?? [];
      if (numberText === undefined || code === undefined) return failure('missing_code', 'send #verify number code, with the 6-digit code we sent to the number');
      const number = readNumber(numberText, options.defaultCountry);
      return number.ok ? success({ kind: 'verify', number: number.value, code }) : number;
    }
    default:
      return unknown(text);
  }
}
