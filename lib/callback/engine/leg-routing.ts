import { routingSchema } from '../../config/routing-schema';
import type { CarrierLimiter } from '../../routing/carrier-limiter';
import { LegRouter } from '../../routing/leg-router';
import type { Logger } from '../../log/logger';
import type { Store } from '../../store';
import { priceBookChangesOf } from '../../store/price-book-changes';
import type { Clock } from '../../time/clock';
import type { EngineRouting } from './context';

interface RouterDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Carriers and rates are read while a call is set up: a database outage is waited out, as for its prices. */
  readonly waitForDatabase: <T>(what: string, read: () => Promise<T>) => Promise<T>;
  readonly limits: CarrierLimiter;
}

/** The engine's router over the store's carriers and buy rates, with the engine's carrier limits. */
export function legRouter(routing: EngineRouting, deps: RouterDeps): LegRouter {
  const { store, clock, logger, waitForDatabase, limits } = deps;
  const priceBook = priceBookChangesOf(store.db);
  return new LegRouter({
    source: {
      enabledCarriers: () => waitForDatabase('read carriers', () => store.carriers.listEnabledWithGateways()),
      buyRatesInForce: (at) => waitForDatabase('read buy rates', () => store.buyRates.buyRatesInForce(at)),
      tariffCurrency: async (tariffId) => (await waitForDatabase('read tariff', () => store.tariffs.findTariffById(tariffId)))?.currency ?? null,
      version: () => priceBook.version,
    },
    failoverCauses: new Set(routing.settings.failoverCauses),
    reloadMs: routing.settings.reloadSeconds * 1000,
    limits,
    clock,
    random: routing.random ?? Math.random,
    logger,
  });
}

/** Routing with the default settings (tests, benchmarks). */
export function defaultRouting(): EngineRouting {
  return { settings: routingSchema.parse({}) };
}
