import type { BuyRate, Carrier } from '../store/carriers';

/*
 * What routing reads of a carrier and of a buy rate (lib/store/carriers.ts), so the pure core is
 * tested with plain objects.
 */

export type RouteCarrier = Pick<
  Carrier,
  'id' | 'name' | 'currency' | 'dialPrefix' | 'stripDigits' | 'callerIdMode' | 'callerIdNumber' | 'maxChannels' | 'maxCps' | 'priority' | 'weight' | 'enabled' | 'gateways'
>;

export type RouteRate = Pick<BuyRate, 'carrierId' | 'prefix' | 'ratePerMinute' | 'connectionFeeMinor' | 'incrementFirstSeconds' | 'incrementNextSeconds' | 'minimumSeconds'>;

export const ROUTE_POLICIES = ['cheapest', 'priority'] as const;
export type RoutePolicy = (typeof ROUTE_POLICIES)[number];

/** How one call's legs pick their carriers: the system's `routing.*`, or its account's or access number's (#17). */
export interface RouteChoice {
  readonly policy: RoutePolicy;
  readonly allowLossCalls: boolean;
}
