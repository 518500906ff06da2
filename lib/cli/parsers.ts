import { InvalidArgumentError, type Command } from 'commander';
import { IANAZone } from 'luxon';
import { parseUtcInstant, UTC_INSTANT_EXAMPLE } from '../time/instant';
import { rejectCauseSchema } from '../config/reject-causes';
import type { HangupCause } from '../esl/hangup-causes';
import { InvalidAmount, MONEY_MAX_MINOR, formatAmount, minorUnits, parseDecimalAmount, type MinorUnits } from '../domain/money';

/*
 * Option and argument parsers for commander. A thrown InvalidArgumentError becomes "option
 * '--credit-limit <amount>' argument '1.234' is invalid. <why>", which names the option, and
 * exit code 2.
 */

/** Money as a decimal string in the currency's major unit ("12.50"), exact to the minor unit. */
export function money(text: string): MinorUnits {
  try {
    return parseDecimalAmount(text, 2);
  } catch (error) {
    if (error instanceof InvalidAmount) {
      throw new InvalidArgumentError(`expected an amount such as 12.50 (at most 2 decimals, at most ${formatAmount(minorUnits(MONEY_MAX_MINOR))} either way).`);
    }
    throw error;
  }
}

export function nonNegativeMoney(text: string): MinorUnits {
  const amount = money(text);
  if (amount < 0) throw new InvalidArgumentError('expected an amount of 0 or more.');
  return amount;
}

export function integer(min: number, max: number): (text: string) => number {
  return (text) => {
    if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const value = Number(text);
    if (value < min || value > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return value;
  };
}

/** An instant as epoch ms (see parseUtcInstant). */
export function instant(text: string): number {
  const parsed = parseUtcInstant(text);
  if (parsed === null) throw new InvalidArgumentError(`expected ${UTC_INSTANT_EXAMPLE}.`);
  return parsed;
}

export function timeZone(text: string): string {
  if (!IANAZone.isValidZone(text)) throw new InvalidArgumentError('expected an IANA time zone such as Europe/Berlin.');
  return text;
}

export function bool(text: string): boolean {
  if (['true', 'yes', 'on', '1'].includes(text)) return true;
  if (['false', 'no', 'off', '0'].includes(text)) return false;
  throw new InvalidArgumentError('expected true or false.');
}

/** A Q.850 cause by name or code (1–127), stored as its name, as the access-number settings expect. */
export function hangupCause(text: string): HangupCause {
  const parsed = rejectCauseSchema().safeParse(/^\d+$/.test(text) ? Number(text) : text);
  if (!parsed.success) throw new InvalidArgumentError('expected a Q.850 cause name or code (1-127) such as USER_BUSY or 17, CALL_REJECTED or 21.');
  return parsed.data;
}

/**
 * What an orNone parser gives commander for "none": commander stores a parser's null as '', so
 * the word travels as this mark until clearedOptions turns it into null.
 */
const CLEARED = Symbol('"none" given');

/**
 * For options that clear a value with "none" (a tariff, a number). The action sees null for
 * "none" when the program runs clearedOptions before its actions (buildProgram does).
 */
export function orNone<T>(parse: (text: string) => T): (text: string) => T | typeof CLEARED {
  return (text) => (text === 'none' ? CLEARED : parse(text));
}

/** A preAction hook: the action's options given as "none" (orNone) become null. */
export function clearedOptions(_hookedCommand: Command, action: Command): void {
  for (const [name, value] of Object.entries(action.opts())) if (value === CLEARED) action.setOptionValue(name, null);
}

export function text(max: number): (value: string) => string {
  return (value) => {
    const trimmed = value.trim();
    if (trimmed === '' || trimmed.length > max) throw new InvalidArgumentError(`expected 1 to ${max} characters.`);
    return trimmed;
  };
}
