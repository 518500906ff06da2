import type { Knex } from 'knex';
import { isE164, type E164 } from '../domain/phone-number';
import { minorUnits, type MinorUnits } from '../domain/money';
import { inDriverTransaction } from './driver-transaction';
import { isForeignKeyViolation, retryOnDeadlock } from './sql-errors';
import { InvalidStoreInput } from './validation';

/**
 * Shared row mapping. Rows come back slightly differently from the two drivers (mysql2 gives
 * TINYINT(1) for booleans and strings for DECIMAL aggregates or BIGINTs past 2^53; better-sqlite3
 * gives 0/1 and numbers), so every repository converts through these helpers and nothing
 * driver-shaped leaks into domain objects.
 */

/** Instants are epoch milliseconds everywhere in the store (see schema.ts for why). */
export type EpochMs = number;
export type Clock = () => EpochMs;

export type DbInt = number | string | bigint;
export type DbBool = number | boolean | string;

/** A stored value that no write path of ours could have produced. */
export class CorruptRow extends Error {
  constructor(what: string, value: unknown) {
    super(`unexpected stored ${what}: ${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)}`);
    this.name = 'CorruptRow';
  }
}

/** Base for repositories: built on a Knex or on a Knex.Transaction, so they compose inside one. */
export abstract class Repository {
  constructor(
    protected readonly db: Knex,
    protected readonly clock: Clock = Date.now,
  ) {}

  /**
   * Runs `work` in a transaction of its own, or, when the repository was built on a caller's
   * transaction, as part of that one: no savepoint (two statements each, on the settlement's and
   * the holds' path). Every caller lets a failure of such a unit fail its whole transaction (none
   * catches it and carries on), so nothing a failed unit wrote can outlive it.
   */
  protected atomically<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this.db as Knex.Transaction);
    return retryOnDeadlock(() => inDriverTransaction(this.db, work));
  }

  /** Runs a write, reporting a reference to a missing parent row as invalid input, not a driver error. */
  protected async writing<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new InvalidStoreInput(what, 'it refers to a row that does not exist');
      throw error;
    }
  }

  /**
   * Reruns a deadlock victim, but only at the outermost level: inside a caller's transaction
   * InnoDB has already rolled back everything, so the caller must retry its whole unit.
   */
  protected retrying<T>(work: () => Promise<T>): Promise<T> {
    return this.db.isTransaction ? work() : retryOnDeadlock(work);
  }
}

export function int(value: DbInt): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) throw new CorruptRow('integer', value);
  return number;
}

export function optInt(value: DbInt | null | undefined): number | null {
  return value === null || value === undefined ? null : int(value);
}

export function money(value: DbInt): MinorUnits {
  return minorUnits(int(value));
}

export function optMoney(value: DbInt | null | undefined): MinorUnits | null {
  return value === null || value === undefined ? null : money(value);
}

export function bool(value: DbBool): boolean {
  return value === true || value === 1 || value === '1';
}

export function e164(value: string): E164 {
  if (!isE164(value)) throw new CorruptRow('E.164 number', value);
  return value;
}

export function optE164(value: string | null | undefined): E164 | null {
  return value === null || value === undefined ? null : e164(value);
}

export type JsonObject = Record<string, unknown>;

export function fromJson(value: string | null | undefined): JsonObject {
  if (value === null || value === undefined || value === '') return {};
  const parsed: unknown = JSON.parse(value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CorruptRow('JSON object', value);
  return parsed as JsonObject;
}

export function toJson(value: JsonObject | null | undefined): string | null {
  return value === null || value === undefined || Object.keys(value).length === 0 ? null : JSON.stringify(value);
}

/** Narrows a string column to one of the values the schema allows. */
export function oneOf<T extends string>(allowed: readonly T[], value: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new CorruptRow(`value (one of ${allowed.join(', ')})`, value);
  return value as T;
}

/** The id of the row just inserted, from either driver. */
export function insertedId(result: readonly number[]): number {
  const [id] = result;
  if (id === undefined || id === 0) throw new Error('the database did not report the inserted id');
  return id;
}

/** Removes keys whose value is undefined, so a patch only touches the columns it names. */
export function definedOnly<T extends Record<string, unknown>>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** For a read right after our own write: a miss there is a bug, not a normal outcome. */
export function written<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} vanished right after it was written`);
  return value;
}
