import { routingSchema } from '../../config/routing-schema';
import { InProcessCarrierLimits } from '../../routing/carrier-limits';
import { LegRouter } from '../../routing/leg-router';
import type { Logger } from '../../log/logger';
import type { Store } from '../../store';
import type { Clock } from '../../time/clock';
import type { EngineRouting } from './context';

interface RouterDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Carriers and rates are read while a call is set up: a database outage is waited out, as for its prices. */
  readonly waitForDatabase: <T>(what: string, read: () => Promise<T>) => Promise<T>;
}

/** The engine's router over the store's carriers and buy rates, with the carrier limits it was given (else this process's own). */
export function legRouter(routing: EngineRouting, deps: RouterDeps): LegRouter {
  const { store, clock, logger, waitForDatabase } = deps;
  return new LegRouter({
    source: {
      enabledCarriers: () => waitForDatabase('read carriers', () => store.carriers.listEnabledWithGateways()),
      buyRatesInForce: (at) => waitForDatabase('read buy rates', () => store.buyRates.buyRatesInForce(at)),
      tariffCurrency: async (tariffId) => (await waitForDatabase('read tariff', () => store.tariffs.findTariffById(tariffId)))?.currency ?? null,
    },
    failoverCauses: new Set(routing.settings.failoverCauses),
    reloadMs: routing.settings.reloadSeconds * 1000,
    limits: routing.limits ?? new InProcessCarrierLimits(clock),
    clock,
    random: routing.random ?? Math.random,
    logger,
  });
}

/** Routing with the default settings (tests, benchmarks). */
export function defaultRouting(): EngineRouting {
  return { settings: routingSchema.parse({}) };
}
