import type { BuyRate, Carrier } from '../store/carriers';

/*
 * What routing reads of a carrier and of a buy rate (lib/store/carriers.ts): types only, so the
 * pure core is tested with plain objects and loads no store code.
 */

export type RouteCarrier = Pick<
  Carrier,
  'id' | 'name' | 'dialPrefix' | 'stripDigits' | 'callerIdMode' | 'callerIdNumber' | 'maxChannels' | 'maxCps' | 'priority' | 'weight' | 'enabled' | 'gateways'
>;

export type RouteRate = Pick<BuyRate, 'carrierId' | 'prefix' | 'ratePerMinute'>;

export const ROUTE_POLICIES = ['cheapest', 'priority'] as const;
export type RoutePolicy = (typeof ROUTE_POLICIES)[number];

/** A gateway row for every node; the store's EVERY_NODE (a test pins the two together). */
export const EVERY_NODE = '*';
