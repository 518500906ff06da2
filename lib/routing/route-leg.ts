import { buyRateIndex, type BuyRateIndex } from './buy-rate-index';
import { gatewayOn } from '../store/carriers';
import { lossVerdict, type LossVerdict, type SellPrice } from './loss-check';
import type { RouteCarrier, RoutePolicy, RouteRate } from './route-types';

/** Carriers and their buy rates in force, indexed once and routed against many times. */
export interface RoutingTable<C extends RouteCarrier, R extends RouteRate> {
  readonly carriers: ReadonlyMap<number, C>;
  readonly rates: BuyRateIndex<R>;
  /**
   * Carriers with no buy rate in force at all (one seeded from a node's deprecated gateway list,
   * or whose sheet is not loaded yet): they may carry any number, after every carrier that has a
   * rate for it, by priority. Their cost is unknown, so the loss check cannot leave them out.
   */
  readonly unrated: readonly C[];
}

export function routingTable<C extends RouteCarrier, R extends RouteRate>(carriers: readonly C[], rates: readonly R[]): RoutingTable<C, R> {
  const rated = new Set(rates.map((rate) => rate.carrierId));
  const unrated = carriers.filter((carrier) => !rated.has(carrier.id)).sort(byPriorityThenId);
  return { carriers: new Map(carriers.map((carrier) => [carrier.id, carrier])), rates: buyRateIndex(rates), unrated };
}

export interface RouteOptions {
  readonly policy: RoutePolicy;
  /** The node names the leg may go out on: the configured callback server(s), or the one node the other leg is on. */
  readonly nodes: readonly string[];
  /** What the payer is charged for the leg; undefined when it is not known (no loss check then). */
  readonly sell: SellPrice | undefined;
  readonly allowLossCalls: boolean;
  /** An access number's trunk: only this carrier (by name) may carry the leg. */
  readonly pinnedCarrier?: string | undefined;
  /** Uniform in [0, 1), for the weighted order of carriers of equal priority. */
  readonly random: () => number;
}

/** One carrier to try, with its gateway on each node the leg may use. */
export interface CarrierTry<C extends RouteCarrier, R extends RouteRate> {
  readonly carrier: C;
  /** Undefined for a carrier without any buy rate (see RoutingTable.unrated). */
  readonly rate: R | undefined;
  /** node → gateway name on that node; never empty. */
  readonly gateways: ReadonlyMap<string, string>;
}

export type SkipReason = 'disabled' | 'not_pinned' | 'no_gateway_on_node' | LossReason;

/** `other_currency`: its cost cannot be compared with the price, so it counts as a possible loss. */
export type LossReason = Exclude<LossVerdict, 'no_loss'>;

export interface LegRoute<C extends RouteCarrier, R extends RouteRate> {
  /** In the order they are to be tried; empty when no carrier may carry the leg. */
  readonly tries: ReadonlyArray<CarrierTry<C, R>>;
  /** Carriers that have a rate for the number but were left out, and why (for the log and the cause). */
  readonly skipped: ReadonlyArray<{ readonly carrier: string; readonly reason: SkipReason }>;
}

/**
 * The carriers that may carry a leg to `number`, in the order to try them. Each candidate is a
 * carrier with a buy rate for the number (its own longest prefix). Carriers' live limits are not
 * looked at here: they change between tries, so the dialer asks them at each try.
 */
export function routeLeg<C extends RouteCarrier, R extends RouteRate>(table: RoutingTable<C, R>, number: string, options: RouteOptions): LegRoute<C, R> {
  const skipped: Array<{ carrier: string; reason: SkipReason }> = [];
  const eligible = (carrier: C, rate: R | undefined): Array<CarrierTry<C, R>> => {
    const reason = skipReason(carrier, rate, options);
    const gateways = reason ? undefined : gatewaysOn(carrier, options.nodes);
    if (reason || gateways === undefined || gateways.size === 0) {
      skipped.push({ carrier: carrier.name, reason: reason ?? 'no_gateway_on_node' });
      return [];
    }
    return [{ carrier, rate, gateways }];
  };
  const rated = table.rates(number).flatMap((rate) => {
    const carrier = table.carriers.get(rate.carrierId);
    return carrier ? eligible(carrier, rate) : [];
  });
  const ordered = options.policy === 'cheapest' ? cheapestFirst(rated) : byPriorityThenWeight(rated, options.random);
  return { tries: [...ordered, ...table.unrated.flatMap((carrier) => eligible(carrier, undefined))], skipped };
}

function skipReason(carrier: RouteCarrier, rate: RouteRate | undefined, options: RouteOptions): SkipReason | undefined {
  if (options.pinnedCarrier !== undefined && carrier.name !== options.pinnedCarrier) return 'not_pinned';
  if (!carrier.enabled) return 'disabled';
  if (!rate || options.allowLossCalls || options.sell === undefined) return undefined;
  const verdict = lossVerdict(rate, carrier.currency, options.sell);
  return verdict === 'no_loss' ? undefined : verdict;
}

/** The carrier's gateway on each of `nodes` that has one. */
function gatewaysOn(carrier: RouteCarrier, nodes: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const node of nodes) {
    const gateway = gatewayOn(carrier, node);
    if (gateway !== null) found.set(node, gateway);
  }
  return found;
}

function byPriorityThenId(a: RouteCarrier, b: RouteCarrier): number {
  return a.priority - b.priority || a.id - b.id;
}

/** Every try here has a rate (rated carriers only). */
function cheapestFirst<T extends CarrierTry<RouteCarrier, RouteRate>>(tries: T[]): T[] {
  return tries.sort((a, b) => (a.rate?.ratePerMinute ?? 0) - (b.rate?.ratePerMinute ?? 0) || byPriorityThenId(a.carrier, b.carrier));
}

/**
 * Lower priority first; within one priority a weighted draw without replacement, so a carrier of
 * weight 3 comes first three times as often as one of weight 1. Weight 0 (or less) comes after
 * every weighted carrier of its priority, in id order.
 */
function byPriorityThenWeight<T extends CarrierTry<RouteCarrier, RouteRate>>(tries: T[], random: () => number): T[] {
  const sorted = tries.sort((a, b) => byPriorityThenId(a.carrier, b.carrier));
  const ordered: T[] = [];
  for (let start = 0; start < sorted.length; ) {
    let end = start;
    while (end < sorted.length && sorted[end]?.carrier.priority === sorted[start]?.carrier.priority) end += 1;
    ordered.push(...weightedOrder(sorted.slice(start, end), random));
    start = end;
  }
  return ordered;
}

function weightedOrder<T extends CarrierTry<RouteCarrier, RouteRate>>(group: T[], random: () => number): T[] {
  const weighted = group.filter((entry) => entry.carrier.weight > 0);
  const order: T[] = [];
  while (weighted.length > 0) {
    const total = weighted.reduce((sum, entry) => sum + entry.carrier.weight, 0);
    let point = random() * total;
    let index = weighted.findIndex((entry) => (point -= entry.carrier.weight) < 0);
    // random() just below 1 with rounding can miss every entry: the last one takes it.
    if (index < 0) index = weighted.length - 1;
    order.push(...weighted.splice(index, 1));
  }
  return [...order, ...group.filter((entry) => entry.carrier.weight <= 0)];
}
