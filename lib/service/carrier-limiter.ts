import type { Settings } from '../config';
import type { Logger } from '../log/logger';
import { RedisCarrierLimits } from '../routing/redis-carrier-limits';
import type { Clock } from '../time/clock';

/**
 * Where the engine counts carriers' channels and calls per second. Controllers that share a Redis
 * queue may be several (scaled out on one database): they count there together, or each would
 * give a carrier its full limit. An embedded controller (memory queue) is alone and counts its
 * own (undefined: the engine's default). The caller closes it after the engine stopped.
 */
export function carrierLimiterFor(settings: Pick<Settings, 'queue' | 'routing'>, deps: { readonly clock: Clock; readonly logger: Logger }): RedisCarrierLimits | undefined {
  if (settings.queue.driver !== 'redis') return undefined;
  return new RedisCarrierLimits({
    url: settings.queue.url,
    prefix: settings.queue.prefix,
    leaseMs: settings.routing.carrierLeaseSeconds * 1000,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'carrier-limits' }),
  });
}
