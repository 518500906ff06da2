import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Store } from '../../store';
import { ApiError } from './errors';
import { principalOf, type Principal } from './principal';

/** Callback orders per account and window (settings: http.ordersPerAccount, http.orderWindowSeconds). */
export interface OrderLimit {
  limit: number;
  windowMs: number;
}

export const DEFAULT_ORDER_LIMIT: OrderLimit = { limit: 30, windowMs: 60_000 };

/** One budget per account, whether it orders through the API or the portal; the operator has its own. */
export function orderLimitKey(principal: Principal): string {
  return principal.kind === 'account' ? `orders:account:${principal.accountId}` : 'orders:operator';
}

/**
 * Counts one order against its account's window in the database (rate_limit_windows), so the
 * limit holds across instances; over it, a 429 `rate_limited` with Retry-After. Refused orders
 * count too: a script hammering with bad bodies is slowed down like one with good ones.
 */
export async function countOrder(store: Pick<Store, 'rateLimits'>, principal: Principal, limit: OrderLimit): Promise<void> {
  const hit = await store.rateLimits.hit(orderLimitKey(principal), limit);
  if (hit.allowed) return;
  const wait = Math.max(1, Math.ceil(hit.retryAfterMs / 1000));
  throw new ApiError(
    429,
    'rate_limited',
    `too many callback orders: at most ${limit.limit} per ${Math.round(limit.windowMs / 1000)} s for an account; retry in ${wait} s`,
    undefined,
    wait,
  );
}

/** Route middleware: countOrder for the authenticated principal. */
export function orderRateLimit(store: Pick<Store, 'rateLimits'>, limit: OrderLimit): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    countOrder(store, principalOf(res), limit).then(() => next(), next);
  };
}
