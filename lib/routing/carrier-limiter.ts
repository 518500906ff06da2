import type { RouteCarrier } from './route-types';

/**
 * Why a carrier was skipped for a try: at its channel or CPS limit, or its limits could not be
 * checked (the shared counter is unreachable), which is treated as being at a limit: a carrier
 * contracted for N channels must not see N+1 because Redis was away for a moment.
 */
export type LimitRefusal = 'max_channels' | 'max_cps' | 'limits_unreachable';

/** A channel taken on a carrier; released once when the try's leg is over (a second release does nothing). */
export interface CarrierSlot {
  release(): void;
}

export type LimitedCarrier = Pick<RouteCarrier, 'id' | 'maxChannels' | 'maxCps'>;

/**
 * Per-carrier limits (issue #17): calls up at once (`maxChannels`) and new calls per second
 * (`maxCps`). Counted in this process (embedded mode, lib/routing/carrier-limits.ts) or in Redis
 * across every controller of a deployment (lib/routing/redis-carrier-limits.ts); chosen at wiring
 * time, the router does not know which.
 */
export interface CarrierLimiter {
  /** Takes a channel and a call of this second on the carrier, or says which limit refused. */
  tryTake(carrier: LimitedCarrier): Promise<CarrierSlot | LimitRefusal>;
  /**
   * Counts a channel that is up already, whatever the limit: a talk adopted from a controller
   * that died or stopped, whose own count of it lapses with that controller.
   */
  hold(carrier: LimitedCarrier): CarrierSlot;
}
