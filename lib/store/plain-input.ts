import { z } from 'zod';

/**
 * Plain checks for the store's hottest writes (a leg's insert and marks, a CDR), tried before
 * their zod schema (`parseInput`). The engine writes these several times per callback, always as
 * object literals of the declared types, and zod's parse of them was about 5 % of a callback's CPU
 * (issue #20). A plain check takes an input only when every field is plainly what the schema
 * allows, and answers exactly what the schema would; anything else (an unknown key, a value it is
 * not sure of, any error) it leaves to zod, which then accepts it or refuses it with its own
 * message. So the schema stays the one definition of what is valid, and a plain check may be
 * stricter than it but never looser: `spec/store/plain-input.test.ts` compares both on generated
 * inputs.
 */

/** The answer of a field's check when it does not take the value: zod decides. */
export const NOT_PLAIN: unique symbol = Symbol('not plainly valid');
export type Plain<T> = T | typeof NOT_PLAIN;

/** A plain object literal whose keys are all among `keys`, the fields its check knows (others go to zod, which strips or checks them). */
export function isPlainRecord(input: unknown, keys: ReadonlySet<string>): input is Readonly<Record<string, unknown>> {
  if (typeof input !== 'object' || input === null || Object.getPrototypeOf(input) !== Object.prototype) return false;
  for (const key in input) if (!keys.has(key)) return false;
  return true;
}

const GUID = z.regexes.guid;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/** `z.string().min(min).max(max)`. */
export function isText(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

/** `z.number().int().min(min)` (zod's int is a safe integer). */
export function isWholeFrom(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/** `z.number().int().nonnegative()`: epoch milliseconds, seconds, counts. */
export function isWhole(value: unknown): value is number {
  return isWholeFrom(value, 0);
}

/** `idField`: a row's id. */
export function isId(value: unknown): value is number {
  return isWholeFrom(value, 1);
}

/**
 * `jsonObjectField` (a record of anything) for an object literal, answered as it is: zod answers
 * a copy with the same keys and values, which is written as the same JSON. One with an own
 * `__proto__` key (from JSON.parse) goes to zod, whose copy would not keep that key.
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && !Object.hasOwn(value, '__proto__');
}

/** A `.nullable().default(null)` field: null for undefined or null, the value if `check` takes it. */
export function orNull<T>(value: unknown, check: (value: unknown) => value is T): Plain<T | null> {
  if (value === undefined || value === null) return null;
  return check(value) ? value : NOT_PLAIN;
}

/** A `.default(fallback)` field: the fallback for undefined, the value if `check` takes it. */
export function orDefault<T>(value: unknown, fallback: T, check: (value: unknown) => value is T): Plain<T> {
  if (value === undefined) return fallback;
  return check(value) ? value : NOT_PLAIN;
}

/** An `.optional()` field: absent (undefined), or the value if `check` takes it. */
export function absentOr<T>(value: unknown, check: (value: unknown) => value is T): Plain<T | undefined> {
  return value === undefined || check(value) ? value : NOT_PLAIN;
}

/** A `.nullable()` field of a partial patch: absent (undefined), null, or the value if `check` takes it. */
export function absentOrNull<T>(value: unknown, check: (value: unknown) => value is T): Plain<T | null | undefined> {
  if (value === undefined || value === null) return value;
  return check(value) ? value : NOT_PLAIN;
}

/** Whether a field's answer is one to keep. */
export function isPlain<T>(answer: Plain<T>): answer is T {
  return answer !== NOT_PLAIN;
}
