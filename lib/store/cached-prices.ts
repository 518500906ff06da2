import type { Knex } from 'knex';
import { buyRateSchedule, type BuyRateSchedule } from '../billing/buy-rate-schedule';
import type { Extension } from '../domain/call-endpoint';
import { extensionRatePrefixes } from '../domain/rate-prefix';
import { BoundedStalenessCache } from './bounded-staleness-cache';
import type { BuyRatesRepository } from './carrier-rates';
import type { BuyRate, Carrier, CarriersRepository } from './carriers';
import { priceBookChangesOf } from './price-book-changes';
import type { EpochMs } from './rows';
import { prefixesOf, type Rate, type TariffsRepository } from './tariffs-rates';
import { InvalidStoreInput } from './validation';

/** What a leg's CDR records of the carrier it went out through. */
export type CarrierIdentity = Pick<Carrier, 'id' | 'name' | 'currency'>;

/** The price reads of a call (sell rates, the carrier's identity and buy rate for its CDR): the store's, or cached. */
export interface PriceReads {
  /** The tariff's rate of the longest prefix matching `number` (E.164 or digits), or null. Never an `ext:` rate. */
  sellRate(tariffId: number, number: string): Promise<Rate | null>;
  /** The tariff's `ext:` rate of the longest prefix matching the extension, or null. */
  extensionRate(tariffId: number, extension: Extension): Promise<Rate | null>;
  carrierIdentity(carrierId: number): Promise<CarrierIdentity | null>;
  /** The carrier's rate in force at `at` of the longest prefix matching `number`, or null. */
  buyRateInForce(carrierId: number, number: string, at: EpochMs): Promise<BuyRate | null>;
}

export interface PriceSources {
  readonly tariffs: TariffsRepository;
  readonly carriers: CarriersRepository;
  readonly buyRates: BuyRatesRepository;
}

const DIGITS = /^[0-9]{1,15}$/;

/**
 * The price reads from memory (issue #20: each was a statement per leg): a tariff's sell rates, a
 * carrier's identity and its buy-rate schedule are read whole on first use and kept at most
 * `maxAgeMs` (billing.rateCacheSeconds), and dropped at once when this process writes any of
 * them, or when another process's signal says it did (price-book-changes.ts). A buy rate dated
 * in the future takes over at its instant from the rates in memory; a leg that started before
 * the last sheet read took effect is priced by the database (buy-rate-schedule.ts).
 *
 * What it holds: every sell rate of each tariff a call used, and each such carrier's rates in
 * force plus its future sheets (the router holds every carrier's rates in force already).
 */
export class CachedPrices implements PriceReads {
  private readonly tariffs: BoundedStalenessCache<number, ReadonlyMap<string, Rate>>;
  private readonly identities: BoundedStalenessCache<number, CarrierIdentity | null>;
  private readonly schedules: BoundedStalenessCache<number, BuyRateSchedule<BuyRate>>;
  private readonly now: () => EpochMs;

  /** `db`: the database the store reads, whose price book changes drop what was read. */
  constructor(
    private readonly store: PriceSources,
    options: { readonly db: Knex; readonly maxAgeMs: number; readonly now: () => EpochMs },
  ) {
    const cache = { changes: priceBookChangesOf(options.db), maxAgeMs: options.maxAgeMs, now: options.now };
    this.tariffs = new BoundedStalenessCache(cache);
    this.identities = new BoundedStalenessCache(cache);
    this.schedules = new BoundedStalenessCache(cache);
    this.now = options.now;
  }

  async sellRate(tariffId: number, number: string): Promise<Rate | null> {
    const rates = await this.tariff(tariffId);
    return firstOf(rates, prefixesOf(digitsOf(number)));
  }

  async extensionRate(tariffId: number, extension: Extension): Promise<Rate | null> {
    return firstOf(await this.tariff(tariffId), extensionRatePrefixes(extension));
  }

  carrierIdentity(carrierId: number): Promise<CarrierIdentity | null> {
    return this.identities.get(carrierId, () => this.store.carriers.billingIdentity(carrierId));
  }

  async buyRateInForce(carrierId: number, number: string, at: EpochMs): Promise<BuyRate | null> {
    const digits = digitsOf(number);
    const schedule = await this.schedules.get(carrierId, async () => {
      const { inForce, later } = await this.store.buyRates.scheduleFrom(carrierId, this.now());
      return buyRateSchedule(inForce, later);
    });
    const known = schedule(digits, at);
    return known === undefined ? this.store.buyRates.findInForce(carrierId, digits, at) : known;
  }

  private tariff(tariffId: number): Promise<ReadonlyMap<string, Rate>> {
    return this.tariffs.get(tariffId, async () => new Map((await this.store.tariffs.listRates(tariffId)).map((rate) => [rate.prefix, rate])));
  }
}

/** The rate of the first of `prefixes` (longest first) the tariff has. */
function firstOf(rates: ReadonlyMap<string, Rate>, prefixes: readonly string[]): Rate | null {
  for (const prefix of prefixes) {
    const rate = rates.get(prefix);
    if (rate) return rate;
  }
  return null;
}

/** As the store's look-ups check it: E.164 or bare digits, at most 15. */
function digitsOf(number: string): string {
  const digits = number.startsWith('+') ? number.slice(1) : number;
  if (!DIGITS.test(digits)) throw new InvalidStoreInput('number to rate', 'must be 1 to 15 digits');
  return digits;
}
