import type { Knex } from 'knex';
import { z } from 'zod';
import type { Extension } from '../domain/call-endpoint';
import { minorUnits, type MinorUnits } from '../domain/money';
import { extensionRatePrefixes, longestOf } from '../domain/rate-prefix';
import { Repository, insertedId, int, money, oneOf, written, type DbInt, type EpochMs } from './rows';
import { preparedRows } from './prepared-statement';
import { notePriceBookWrite } from './price-book-changes';
import { isUniqueViolation } from './sql-errors';
import { StoreConflict, currencyField, digitsField, idField, nonNegativeMinorField, parseInput, ratePerMinuteField, ratePrefixField } from './validation';

/** Rates per minute are stored in micro-units: 1/10000 of the currency's minor unit. */
export const MICRO_UNITS_PER_MINOR = 10_000;

export const TARIFF_KINDS = ['retail', 'callback'] as const;
/** retail prices leg B (and C); callback lists where a leg A may be dialed and what it costs (A6). */
export type TariffKind = (typeof TARIFF_KINDS)[number];

export interface Tariff {
  id: number;
  name: string;
  currency: string;
  kind: TariffKind;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** A rate's id and terms: what a tariff's sell rate and a carrier's buy rate (BuyRate) share. */
export interface RateTerms {
  id: number;
  /**
   * Digits of the E.164 number without `+`, or `ext:` and digits of an extension on the node
   * (lib/domain/rate-prefix.ts, sell rates only); the longest matching prefix wins (B1).
   */
  prefix: string;
  description: string;
  /** Micro-units (1/10000 of a minor unit) per minute: 0.0125 USD/min is 12500. */
  ratePerMinute: number;
  connectionFeeMinor: MinorUnits;
  incrementFirstSeconds: number;
  incrementNextSeconds: number;
  minimumSeconds: number;
}

export interface Rate extends RateTerms {
  tariffId: number;
}

interface TariffRow {
  id: DbInt;
  name: string;
  currency: string;
  kind: string;
  created_at: DbInt;
  updated_at: DbInt;
}

/** The columns a sell and a buy rate share, as stored. */
export interface RateTermsRow {
  id: DbInt;
  prefix: string;
  description: string;
  rate_per_minute: DbInt;
  connection_fee_minor: DbInt;
  increment_first_seconds: DbInt;
  increment_next_seconds: DbInt;
  minimum_seconds: DbInt;
}

interface RateRow extends RateTermsRow {
  tariff_id: DbInt;
}

const newTariffSchema = z.object({ name: z.string().trim().min(1).max(100), currency: currencyField, kind: z.enum(TARIFF_KINDS) });
export type NewTariff = z.input<typeof newTariffSchema>;

/** A rate's terms as a CSV row or an API body gives them: sell rates and carriers' buy rates alike. */
export const newRateSchema = z.object({
  prefix: ratePrefixField,
  description: z.string().max(100).default(''),
  ratePerMinute: ratePerMinuteField,
  connectionFeeMinor: nonNegativeMinorField.default(minorUnits(0)),
  incrementFirstSeconds: z.number().int().positive().default(60),
  incrementNextSeconds: z.number().int().positive().default(60),
  minimumSeconds: z.number().int().nonnegative().default(0),
});
export type NewRate = z.input<typeof newRateSchema>;

/** The columns of one rate row, sell or buy: `index` names the rate in the error of an import. */
export function rateColumns(rate: NewRate, index: number) {
  const valid = parseInput(newRateSchema, rate, `rate #${index + 1}`);
  return {
    prefix: valid.prefix,
    description: valid.description,
    rate_per_minute: valid.ratePerMinute,
    connection_fee_minor: valid.connectionFeeMinor,
    increment_first_seconds: valid.incrementFirstSeconds,
    increment_next_seconds: valid.incrementNextSeconds,
    minimum_seconds: valid.minimumSeconds,
  };
}

function toTariff(row: TariffRow): Tariff {
  return {
    id: int(row.id),
    name: row.name,
    currency: row.currency,
    kind: oneOf(TARIFF_KINDS, row.kind),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

/** A stored rate's id and terms, sell or buy: what toRate and the buy rates' mapping share. */
export function rateTermsOf(row: RateTermsRow): RateTerms {
  return {
    id: int(row.id),
    prefix: row.prefix,
    description: row.description,
    ratePerMinute: int(row.rate_per_minute),
    connectionFeeMinor: money(row.connection_fee_minor),
    incrementFirstSeconds: int(row.increment_first_seconds),
    incrementNextSeconds: int(row.increment_next_seconds),
    minimumSeconds: int(row.minimum_seconds),
  };
}

function toRate(row: RateRow): Rate {
  return { ...rateTermsOf(row), tariffId: int(row.tariff_id) };
}

/** Every prefix of the number, longest first: "4930" → 4930, 493, 49, 4. */
export function prefixesOf(digits: string): string[] {
  return Array.from({ length: digits.length }, (_, index) => digits.slice(0, digits.length - index));
}

const IMPORT_CHUNK = 500;
/** What a re-import of an existing prefix overwrites. */
const RATE_COLUMNS = [
  'description',
  'rate_per_minute',
  'connection_fee_minor',
  'increment_first_seconds',
  'increment_next_seconds',
  'minimum_seconds',
  'updated_at',
];

export class TariffsRepository extends Repository {
  async createTariff(input: NewTariff): Promise<Tariff> {
    const tariff = parseInput(newTariffSchema, input, 'tariff');
    const now = this.clock();
    try {
      const id = insertedId(await this.db('tariffs').insert({ ...tariff, created_at: now, updated_at: now }));
      notePriceBookWrite(this.db);
      return written(await this.findTariffById(id), `tariff ${id}`);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflict(`tariff ${tariff.name} already exists`);
      throw error;
    }
  }

  async findTariffById(id: number): Promise<Tariff | null> {
    const row = await this.db<TariffRow>('tariffs').where({ id }).first();
    return row ? toTariff(row) : null;
  }

  async findTariffByName(name: string): Promise<Tariff | null> {
    const row = await this.db<TariffRow>('tariffs').where({ name }).first();
    return row ? toTariff(row) : null;
  }

  async listTariffs(): Promise<Tariff[]> {
    return (await this.db<TariffRow>('tariffs').orderBy('name')).map(toTariff);
  }

  /** Removes the tariff and its rates; accounts using it fall back to none. */
  async removeTariff(id: number): Promise<boolean> {
    const removed = await this.db('tariffs').where({ id }).delete();
    notePriceBookWrite(this.db);
    return removed > 0;
  }

  /**
   * Inserts or replaces rates by prefix, all or nothing (a CSV import either lands whole or not at
   * all). With `replace`, rates of the tariff that are not in `rates` are removed. Returns the count.
   */
  async importRates(tariffId: number, rates: readonly NewRate[], options: { replace?: boolean } = {}): Promise<number> {
    const id = parseInput(idField, tariffId, 'tariff id');
    const now = this.clock();
    const rows = rates.map((rate, index) => ({ tariff_id: id, ...rateColumns(rate, index), created_at: now, updated_at: now }));
    const prefixes = new Set(rows.map((row) => row.prefix));
    if (prefixes.size !== rows.length) throw new StoreConflict('the same prefix appears twice in one import');
    const upsert = (trx: Knex.Transaction, chunk: typeof rows) =>
      trx('rates')
        .insert(chunk)
        .onConflict(['tariff_id', 'prefix'])
        .merge(RATE_COLUMNS);
    await this.writing('rates', () =>
      this.atomically(async (trx) => {
        if (options.replace) await trx('rates').where({ tariff_id: id }).delete();
        for (let start = 0; start < rows.length; start += IMPORT_CHUNK) await upsert(trx, rows.slice(start, start + IMPORT_CHUNK));
      }),
    );
    notePriceBookWrite(this.db);
    return rows.length;
  }

  async removeRate(tariffId: number, prefix: string): Promise<boolean> {
    const removed = await this.db('rates').where({ tariff_id: tariffId, prefix }).delete();
    notePriceBookWrite(this.db);
    return removed > 0;
  }

  async listRates(tariffId: number): Promise<Rate[]> {
    return (await this.db<RateRow>('rates').where({ tariff_id: tariffId }).orderBy('prefix')).map(toRate);
  }

  /** The rate whose prefix is the longest match for `number` (E.164 or bare digits), or null. Never an `ext:` rate. */
  async findRateByLongestPrefix(tariffId: number, number: string): Promise<Rate | null> {
    const digits = parseInput(digitsField, number.replace(/^\+/, ''), 'number to rate');
    return this.longestRateAmong(tariffId, prefixesOf(digits));
  }

  /** The `ext:` rate whose prefix is the longest match for a leg to `extension` on the node, or null (the leg is free). */
  async findExtensionRate(tariffId: number, extension: Extension): Promise<Rate | null> {
    return this.longestRateAmong(tariffId, extensionRatePrefixes(extension));
  }

  private async longestRateAmong(tariffId: number, prefixes: string[]): Promise<Rate | null> {
    const rows = await preparedRows<RateRow, { where: { tariff_id: number; prefix: string[] } }>(
      this.db,
      'rates.longestPrefix',
      { where: { tariff_id: tariffId, prefix: prefixes } },
      (db, values) => db('rates').where('tariff_id', values.where.tariff_id).whereIn('prefix', values.where.prefix),
    );
    const longest = longestOf(rows);
    return longest ? toRate(longest) : null;
  }
}
