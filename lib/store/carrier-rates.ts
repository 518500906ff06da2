import type { Knex } from 'knex';
import { isExtensionRatePrefix } from '../domain/rate-prefix';
import type { BuyRate } from './carriers';
import { preparedRows } from './prepared-statement';
import { notePriceBookWrite } from './price-book-changes';
import { Repository, int, type DbInt, type EpochMs } from './rows';
import { isUniqueViolation } from './sql-errors';
import { prefixesOf, rateColumns, rateTermsOf, type NewRate, type RateTermsRow } from './tariffs-rates';
import { InvalidStoreInput, StoreConflict, digitsField, epochMsField, idField, parseInput } from './validation';

interface BuyRateRow extends RateTermsRow {
  carrier_id: DbInt;
  effective_from: DbInt;
}

const COLUMNS = [
  'r.id',
  'r.carrier_id',
  'r.prefix',
  'r.description',
  'r.rate_per_minute',
  'r.connection_fee_minor',
  'r.increment_first_seconds',
  'r.increment_next_seconds',
  'r.minimum_seconds',
  'r.effective_from',
];

function toBuyRate(row: BuyRateRow): BuyRate {
  return { ...rateTermsOf(row), carrierId: int(row.carrier_id), effectiveFrom: int(row.effective_from) };
}

export interface BuyRateImport {
  /** When this rate sheet comes into force (epoch ms); may be in the future. */
  effectiveFrom: EpochMs;
  /** Replace the carrier's whole sheet of that effectiveFrom (its prefixes not in this import go). */
  replace?: boolean;
}

const IMPORT_CHUNK = 500;

/**
 * Carriers' buy rates. A rate sheet is the set of rows sharing one effective_from; sheets are
 * kept side by side, so one loaded ahead of time takes over on its date without a job running.
 */
export class BuyRatesRepository extends Repository {
  /** Inserts or replaces rates by prefix within the sheet, all or nothing. Returns the count. */
  async importRates(carrierId: number, rates: readonly NewRate[], options: BuyRateImport): Promise<number> {
    const id = parseInput(idField, carrierId, 'carrier id');
    const effectiveFrom = parseInput(epochMsField, options.effectiveFrom, 'effective-from instant');
    const now = this.clock();
    const rows = rates.map((rate, index) => ({ carrier_id: id, ...rateColumns(rate, index), effective_from: effectiveFrom, created_at: now, updated_at: now }));
    const extension = rows.findIndex((row) => isExtensionRatePrefix(row.prefix));
    // An extension leg goes through no carrier, so no carrier can charge for it: its price is a tariff's `ext:` rate.
    if (extension >= 0) throw new InvalidStoreInput(`rate #${extension + 1}`, `${rows[extension]!.prefix} prices extension legs, which go through no carrier; a carrier's rates are by number prefix (digits only)`);
    if (new Set(rows.map((row) => row.prefix)).size !== rows.length) throw new StoreConflict('the same prefix appears twice in one import');
    const upsert = (trx: Knex.Transaction, chunk: typeof rows) =>
      trx('carrier_rates')
        .insert(chunk)
        .onConflict(['carrier_id', 'prefix', 'effective_from'])
        .merge(['description', 'rate_per_minute', 'connection_fee_minor', 'increment_first_seconds', 'increment_next_seconds', 'minimum_seconds', 'updated_at']);
    try {
      await this.writing('carrier rates', () =>
        this.atomically(async (trx) => {
          if (options.replace) await trx('carrier_rates').where({ carrier_id: id, effective_from: effectiveFrom }).delete();
          for (let start = 0; start < rows.length; start += IMPORT_CHUNK) await upsert(trx, rows.slice(start, start + IMPORT_CHUNK));
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflict('a rate of this import collided with another import of the same sheet; try again');
      throw error;
    }
    notePriceBookWrite(this.db);
    return rows.length;
  }

  /** Removes one sheet of the carrier; returns how many rates went. */
  async removeSheet(carrierId: number, effectiveFrom: EpochMs): Promise<number> {
    const removed = await this.db('carrier_rates').where({ carrier_id: carrierId, effective_from: effectiveFrom }).delete();
    notePriceBookWrite(this.db);
    return removed;
  }

  /** Every sheet of the carrier, by prefix then effective_from; with `at`, only the rates in force then. */
  async list(carrierId: number, options: { at?: EpochMs } = {}): Promise<BuyRate[]> {
    const query =
      options.at === undefined
        ? this.db('carrier_rates as r').select<BuyRateRow[]>(COLUMNS).orderBy([{ column: 'r.prefix' }, { column: 'r.effective_from' }])
        : inForce(this.db, parseInput(epochMsField, options.at, 'instant')).orderBy('r.prefix');
    const rows: BuyRateRow[] = await query.where('r.carrier_id', carrierId);
    return rows.map(toBuyRate);
  }

  /** Every carrier's rates in force at `at` (what a router indexes), by carrier then prefix. */
  async buyRatesInForce(at: EpochMs): Promise<BuyRate[]> {
    const rows = await inForce(this.db, parseInput(epochMsField, at, 'instant')).orderBy([{ column: 'r.carrier_id' }, { column: 'r.prefix' }]);
    return rows.map(toBuyRate);
  }

  /**
   * The carrier's rates in force at `at` and those dated after it: what a schedule of its rates
   * from `at` on needs (lib/billing/buy-rate-schedule.ts).
   */
  async scheduleFrom(carrierId: number, at: EpochMs): Promise<{ inForce: BuyRate[]; later: BuyRate[] }> {
    const from = parseInput(epochMsField, at, 'instant');
    const [inForceRows, laterRows] = await Promise.all([
      inForce(this.db, from).where('r.carrier_id', carrierId),
      this.db('carrier_rates as r').select<BuyRateRow[]>(COLUMNS).where('r.carrier_id', carrierId).where('r.effective_from', '>', from),
    ]);
    return { inForce: inForceRows.map(toBuyRate), later: laterRows.map(toBuyRate) };
  }

  /** The carrier's rate in force at `at` whose prefix is the longest match for `number`, or null. */
  async findInForce(carrierId: number, number: string, at: EpochMs): Promise<BuyRate | null> {
    const digits = parseInput(digitsField, number.replace(/^\+/, ''), 'number to rate');
    // Every leg's settlement: built by knex once per length of the prefix list.
    const rows = await preparedRows<BuyRateRow, { at: { effective_from: EpochMs }; where: { carrier_id: number; prefix: string[] } }>(
      this.db,
      'carrier_rates.inForce',
      { at: { effective_from: parseInput(epochMsField, at, 'instant') }, where: { carrier_id: carrierId, prefix: prefixesOf(digits) } },
      (db, values) => inForce(db, values.at.effective_from).where('r.carrier_id', values.where.carrier_id).whereIn('r.prefix', values.where.prefix),
    );
    const [longest] = rows.sort((a, b) => b.prefix.length - a.prefix.length);
    return longest ? toBuyRate(longest) : null;
  }
}

/** For each (carrier, prefix), the row with the greatest effective_from not after `at`. */
function inForce(db: Knex, at: EpochMs): Knex.QueryBuilder<Record<string, unknown>, BuyRateRow[]> {
  const latest = db('carrier_rates')
    .select('carrier_id', 'prefix')
    .max('effective_from as effective_from')
    .where('effective_from', '<=', at)
    .groupBy('carrier_id', 'prefix')
    .as('l');
  return db('carrier_rates as r')
    .select<BuyRateRow[]>(COLUMNS)
    .join(latest, (on) => on.on('l.carrier_id', 'r.carrier_id').andOn('l.prefix', 'r.prefix').andOn('l.effective_from', 'r.effective_from'));
}
