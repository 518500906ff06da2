import type { Settings } from '../config';
import type { Logger } from '../log/logger';
import type { CarrierLimiter } from '../routing/carrier-limiter';
import { RedisCarrierLimits } from '../routing/redis-carrier-limits';
import type { Clock } from '../time/clock';
import type { StopStack } from './stop-stack';

/**
 * Where the engine counts carriers' channels and calls per second. Controllers that share a Redis
 * queue may be several (scaled out on one database): they count there together, or each would
 * give a carrier its full limit. An embedded controller (memory queue) is alone and counts its
 * own (undefined: the engine's default). Pushed onto `stops` before the engine is, so that it
 * closes after the engine's last leg is released.
 */
export function carrierLimiterFor(settings: Settings, deps: { readonly clock: Clock; readonly logger: Logger; readonly stops: StopStack }): CarrierLimiter | undefined {
  if (settings.queue.driver !== 'redis') return undefined;
  const limits = new RedisCarrierLimits({
    url: settings.queue.url,
    prefix: settings.queue.prefix,
    leaseMs: settings.routing.carrierLeaseSeconds * 1000,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'carrier-limits' }),
  });
  deps.stops.push('carrier limits', () => limits.close());
  return limits;
}
