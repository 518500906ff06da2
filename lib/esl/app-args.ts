import { EslInvalidArgument } from './errors';

/**
 * Arguments of dialplan applications run through `sendmsg`. FreeSWITCH splits most of them on
 * spaces, so every piece is checked to be one word; a value that would add words (or a line
 * break, which encodeCommand refuses anyway) is an error, never silently passed on.
 */

// Control characters too: a NUL ends the argument early in FreeSWITCH's C strings.
const WORD = /^[^\s\p{Cc}]+$/u;

export function word(field: string, value: string): string {
  if (!WORD.test(value)) throw new EslInvalidArgument(field, 'must be one word without spaces or control characters');
  return value;
}

function integer(field: string, value: number, min: number, max: number): string {
  if (!Number.isInteger(value) || value < min || value > max) throw new EslInvalidArgument(field, `must be a whole number from ${min} to ${max}`);
  return String(value);
}

export interface PlayAndGetDigitsOptions {
  min: number;
  max: number;
  tries: number;
  /** How long to wait for the first digit after the prompt. */
  timeoutMs: number;
  /** Keys that end input early (`#`); empty for none. */
  terminators?: string;
  file: string;
  /** Played after a wrong entry; a short silence by default. */
  invalidFile?: string;
  /** Checked by FreeSWITCH; one word (`\d+`, `^[0-9]{4}$`). */
  regexp?: string;
  /** Pause between digits that ends input. */
  digitTimeoutMs?: number;
  /** Channel variable that receives the digits; a fresh name per collection unless given. */
  variableName?: string;
}

/** `play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid_file> <var> <regexp> <digit_timeout>` */
export function playAndGetDigitsArg(options: PlayAndGetDigitsOptions, variableName: string): string {
  const terminators = options.terminators ?? '#';
  if (!/^[0-9#*]*$/.test(terminators)) throw new EslInvalidArgument('terminators', 'only 0-9 # * are allowed');
  if (options.min > options.max) throw new EslInvalidArgument('min', 'must not exceed max');
  return [
    integer('min', options.min, 0, 128),
    integer('max', options.max, 1, 128),
    integer('tries', options.tries, 1, 100),
    integer('timeoutMs', options.timeoutMs, 1, 3_600_000),
    terminators === '' ? 'none' : terminators,
    word('file', options.file),
    word('invalidFile', options.invalidFile ?? 'silence_stream://250'),
    word('variableName', variableName),
    word('regexp', options.regexp ?? '\\d+'),
    integer('digitTimeoutMs', options.digitTimeoutMs ?? options.timeoutMs, 1, 3_600_000),
  ].join(' ');
}

export type SayType =
  | 'number'
  | 'items'
  | 'persons'
  | 'messages'
  | 'currency'
  | 'time_measurement'
  | 'current_date'
  | 'current_time'
  | 'current_date_time'
  | 'telephone_number'
  | 'telephone_extension'
  | 'ip_address'
  | 'account_number'
  | 'name_spelled';
export type SayMethod = 'pronounced' | 'iterated' | 'counted';
export type SayGender = 'masculine' | 'feminine' | 'neuter';

export interface SayOptions {
  type: SayType;
  text: string | number;
  method?: SayMethod;
  gender?: SayGender;
  /** The say module (mod_say_en): `en`, `ru`, … */
  language?: string;
}

/** `say <lang> <type> <method> [<gender>] <text>`, as in `en number pronounced 42`. */
export function sayArg(options: SayOptions): string {
  const language = options.language ?? 'en';
  if (!/^[a-z]{2,3}(:[a-z]{2,3})?$/.test(language)) throw new EslInvalidArgument('language', 'must be a say module name such as en');
  const text = String(options.text);
  if (!/^[\p{L}\p{N}.:+@_-]+$/u.test(text)) throw new EslInvalidArgument('text', 'must be one word of letters, digits and . : + @ _ -');
  const parts = [language, options.type, options.method ?? 'pronounced'];
  if (options.gender) parts.push(options.gender);
  parts.push(text);
  return parts.join(' ');
}

/** Money as mod_say reads it: `12.50` (dollars and cents in English). */
export function moneyText(amount: number): string {
  if (!Number.isFinite(amount) || amount < 0) throw new EslInvalidArgument('amount', 'must be a finite, non-negative number');
  return amount.toFixed(2);
}

/** Durations for `time_measurement`: whole seconds. */
export function durationText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new EslInvalidArgument('seconds', 'must be a finite, non-negative number');
  return String(Math.round(seconds));
}

export function dtmfDigits(digits: string): string {
  if (!/^[0-9A-Da-d#*wW]+(@\d{1,5})?$/.test(digits)) throw new EslInvalidArgument('digits', 'only 0-9 A-D # * w W and an optional @duration');
  return digits;
}

export function conferenceName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+(@[A-Za-z0-9_.-]+)?(\+flags\{[a-z|-]*\})?$/.test(name)) throw new EslInvalidArgument('conference', 'name[@profile][+flags{…}] of letters, digits, . _ -');
  return name;
}

export function transferArg(destination: string, dialplan?: string, context?: string): string {
  const token = /^[A-Za-z0-9_+*#.-]+$/;
  if (!token.test(destination)) throw new EslInvalidArgument('destination', 'must be an extension of letters, digits and + * # . _ -');
  if (context !== undefined && dialplan === undefined) throw new EslInvalidArgument('context', 'needs a dialplan');
  for (const [field, value] of [['dialplan', dialplan], ['context', context]] as const) {
    if (value !== undefined && !token.test(value)) throw new EslInvalidArgument(field, 'must be one word');
  }
  return [destination, dialplan, context].filter((part) => part !== undefined).join(' ');
}
