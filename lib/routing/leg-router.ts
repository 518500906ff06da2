import type { E164 } from '../domain/phone-number';
import type { HangupCause } from '../esl/hangup-causes';
import type { Logger } from '../log/logger';
import type { Clock } from '../time/clock';
import { carrierCallerId, carrierDialNumber, type CarrierCallerId } from './carrier-dial';
import type { CarrierLimiter, CarrierSlot, LimitRefusal } from './carrier-limiter';
import { tryVerdict } from './route-causes';
import { routeLeg, routingTable, type CarrierTry, type RoutingTable } from './route-leg';
import type { RatingTerms } from '../billing/rating-terms';
import type { SellPrice } from './loss-check';
import type { RouteCarrier, RouteChoice, RouteRate } from './route-types';

/** Where carriers and their buy rates in force come from (the store's carriers and buyRates). */
export interface RouteSource {
  enabledCarriers(): Promise<readonly RouteCarrier[]>;
  buyRatesInForce(at: number): Promise<readonly RouteRate[]>;
  /** The currency of a tariff (its sell rates); null for a tariff that is gone. */
  tariffCurrency(tariffId: number): Promise<string | null>;
  /**
   * A number that changes whenever carriers, buy rates or tariffs change (a write of this process,
   * or another's signal): a table read under an older one is read again at once, not after
   * `reloadMs`, so a carrier disabled through the API carries no new leg.
   */
  version(): number;
}

export interface LegRouterOptions {
  readonly source: RouteSource;
  readonly failoverCauses: ReadonlySet<HangupCause>;
  readonly reloadMs: number;
  readonly limits: CarrierLimiter;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
}

/** One try of a leg: the carrier, its gateway on each node the leg may use, and the number and caller ID as it wants them. */
export interface CarrierDial {
  readonly carrier: RouteCarrier;
  /** Undefined for a carrier without any buy rate. */
  readonly rate: RouteRate | undefined;
  /** node → gateway; never empty. */
  readonly gateways: ReadonlyMap<string, string>;
  /** Digits as the carrier wants them. */
  readonly number: string;
  readonly callerId: CarrierCallerId;
  /** Released when the try's channel is gone. */
  readonly slot: CarrierSlot;
}

/** A tariff's rate terms, and which tariff (its currency is the price's). */
export type SellRate = RatingTerms & { readonly tariffId: number };

export interface LegRouteInput {
  readonly number: E164;
  /** The caller ID the request's rules chose for the leg. */
  readonly callerId: E164 | undefined;
  /** The sell rate the payer pays for the leg, when known: the loss check compares each carrier's cost with it. */
  readonly sellRate: SellRate | undefined;
  readonly pinnedCarrier?: string | undefined;
  /** The nodes the leg may go out on. */
  readonly nodes: readonly string[];
  /** The call's policy and loss-call rule (its resolved settings). */
  readonly choice: RouteChoice;
}

/**
 * A leg's carriers, tried one after the other within an attempt. `next()` takes the next carrier
 * that is under its limits (skipping those at their channel or CPS limit), `failsOver(cause)` says
 * whether a try that failed with `cause` may go on to it.
 */
export class LegTries {
  private index = 0;
  private lastRefusal: LimitRefusal | undefined;
  private tried = 0;

  constructor(
    private readonly tries: ReadonlyArray<Omit<CarrierDial, 'slot'>>,
    private readonly limits: CarrierLimiter,
    private readonly failoverCauses: ReadonlySet<HangupCause>,
    private readonly log: Logger,
  ) {}

  /** The next carrier with room, its channel taken; undefined when none is left. */
  async next(): Promise<CarrierDial | undefined> {
    while (this.index < this.tries.length) {
      const entry = this.tries[this.index] as Omit<CarrierDial, 'slot'>;
      this.index += 1;
      const slot = await this.limits.tryTake(entry.carrier);
      if (typeof slot !== 'string') {
        this.tried += 1;
        return { ...entry, slot };
      }
      this.lastRefusal = slot;
      this.log.info('carrier at its limit; skipped', { carrier: entry.carrier.name, limit: slot });
    }
    return undefined;
  }

  /** A try that failed with this cause goes on to the next carrier (if there is one with room). */
  failsOver(cause: HangupCause): boolean {
    return this.index < this.tries.length && tryVerdict(cause, this.failoverCauses) === 'next_carrier';
  }

  /**
   * Why the leg cannot be dialed when `next()` found nothing before any try: every carrier at a
   * limit, or with limits that could not be checked (congestion, retried like any), or no carrier
   * at all for the number.
   */
  get noCarrierCause(): HangupCause {
    return this.tried === 0 && this.lastRefusal !== undefined ? 'NORMAL_CIRCUIT_CONGESTION' : 'NO_ROUTE_DESTINATION';
  }
}

/**
 * The engine's routing: carriers and buy rates read from the store (again after `reloadMs`, so a
 * new rate sheet or a disabled carrier takes effect without a restart), routed per leg by the pure
 * core (route-leg.ts), each leg's tries checked against the carriers' live limits.
 */
export class LegRouter {
  private table: { readonly at: number; readonly version: number; readonly value: RoutingTable<RouteCarrier, RouteRate> | undefined } | undefined;
  private loading: Promise<RoutingTable<RouteCarrier, RouteRate> | undefined> | undefined;
  /** A tariff's currency never changes; read again with each table, in case a removed tariff's id came back. */
  private currencies = new Map<number, string | null>();

  constructor(private readonly options: LegRouterOptions) {}

  async plan(input: LegRouteInput, log: Logger): Promise<LegTries> {
    const table = await this.currentTable();
    const { options } = this;
    if (!table) {
      log.warn('no carrier is configured: no leg can be dialed (callback carriers add, or /api/v1/carriers)');
      return new LegTries([], options.limits, options.failoverCauses, log);
    }
    const route = routeLeg(table, input.number, {
      policy: input.choice.policy,
      nodes: input.nodes,
      sell: input.sellRate && (await this.sellPrice(input.sellRate)),
      allowLossCalls: input.choice.allowLossCalls,
      pinnedCarrier: input.pinnedCarrier,
      random: options.random,
    });
    if (route.skipped.length > 0) log.info('carriers left out of the route', { skipped: route.skipped });
    const otherCurrency = route.skipped.filter((skip) => skip.reason === 'other_currency').map((skip) => skip.carrier);
    if (otherCurrency.length > 0) {
      log.warn('carriers left out: their buy rates are in another currency than the tariff, so whether they lose money is unknown', { carriers: otherCurrency });
    }
    const tries = route.tries.flatMap((entry) => this.dialOf(entry, input, log));
    return new LegTries(tries, options.limits, options.failoverCauses, log);
  }

  private dialOf(entry: CarrierTry<RouteCarrier, RouteRate>, input: LegRouteInput, log: Logger): Array<Omit<CarrierDial, 'slot'>> {
    try {
      const number = carrierDialNumber(entry.carrier, input.number);
      return [{ carrier: entry.carrier, rate: entry.rate, gateways: entry.gateways, number, callerId: carrierCallerId(entry.carrier, input.callerId) }];
    } catch (error) {
      log.warn('carrier left out: its number rules do not fit', { carrier: entry.carrier.name, error: String(error) });
      return [];
    }
  }

  private async sellPrice(rate: SellRate): Promise<SellPrice> {
    let currency = this.currencies.get(rate.tariffId);
    if (currency === undefined) {
      currency = await this.options.source.tariffCurrency(rate.tariffId);
      this.currencies.set(rate.tariffId, currency);
    }
    return { terms: rate, currency };
  }

  /**
   * Undefined when no carrier is enabled. A failed reload keeps the table it had, if any. The
   * version is taken before the reads: a change that lands while they run makes the next plan read
   * again.
   */
  private async currentTable(): Promise<RoutingTable<RouteCarrier, RouteRate> | undefined> {
    const { source, clock, reloadMs, logger } = this.options;
    const now = clock.now();
    const version = source.version();
    if (this.table && now - this.table.at < reloadMs && this.table.version === version) return this.table.value;
    this.loading ??= (async () => {
      try {
        const [carriers, rates] = await Promise.all([source.enabledCarriers(), source.buyRatesInForce(now)]);
        const value = carriers.length === 0 ? undefined : routingTable(carriers, rates);
        this.table = { at: now, version, value };
        this.currencies = new Map();
        return value;
      } catch (error) {
        if (!this.table) throw error;
        logger.warn('could not read carriers and buy rates; routing with the ones read before', { error: String(error) });
        return this.table.value;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
