import { DateTime } from 'luxon';
import { failure, success, type Step } from './commands';
import { quote } from './syntax';

/** A calendar date as written, already checked to exist. */
export interface DateField {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly text: string;
}

/** A time of day as written, already checked to be one. */
export interface TimeField {
  readonly hour: number;
  readonly minute: number;
  readonly text: string;
}

export type FieldKind = 'date' | 'datetime' | 'time' | 'number';

/*
 * Fields are classified by shape before they are read, so that a mistyped date or time is
 * reported as a bad date or time instead of as "not a phone number" (a phone number never
 * contains ':', and never looks like D.M.Y).
 */
const DATE_SHAPE = /^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2})$/;
const TIME_SHAPE = /:|^\d{1,2}[.h]\d{2}$/i;
const DATETIME_SHAPE = /^(\S+)\s+(\S+)$/;

export function classify(field: string): FieldKind {
  if (DATE_SHAPE.test(field)) return 'date';
  const pair = DATETIME_SHAPE.exec(field);
  if (pair && DATE_SHAPE.test(pair[1] ?? '') && TIME_SHAPE.test(pair[2] ?? '')) return 'datetime';
  if (TIME_SHAPE.test(field)) return 'time';
  return 'number';
}

/** Splits the seed's "DD.MM.YYYY HH:MM" single-field form; only called on a 'datetime' field. */
export function splitDateTime(field: string): [string, string] {
  const pair = DATETIME_SHAPE.exec(field);
  return [pair?.[1] ?? '', pair?.[2] ?? ''];
}

const DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;

export function readDate(text: string): Step<DateField> {
  const match = DATE.exec(text);
  if (!match) return failure('invalid_date', `date ${quote(text)} is not a date: write DD.MM.YYYY, e.g. 30.04.2027`);
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Zone-free: only whether the calendar has this day is asked here.
  if (!DateTime.fromObject({ year, month, day }, { zone: 'UTC' }).isValid) return failure('invalid_date', `date ${text} does not exist`);
  return success({ year, month, day, text: `${two(day)}.${two(month)}.${year}` });
}

const TIME = /^(\d{1,2}):(\d{2})$/;

export function readTime(text: string): Step<TimeField> {
  const match = TIME.exec(text);
  if (!match) return failure('invalid_time', `time ${quote(text)} is not a time: write HH:MM, e.g. 09:30`);
  const [hour, minute] = [Number(match[1]), Number(match[2])];
  if (hour > 23) return failure('invalid_time', `time ${text} is not a time: hours go from 00 to 23`);
  if (minute > 59) return failure('invalid_time', `time ${text} is not a time: minutes go from 00 to 59`);
  return success({ hour, minute, text: `${two(hour)}:${two(minute)}` });
}

function two(value: number): string {
  return String(value).padStart(2, '0');
}
