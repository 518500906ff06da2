import { prefixMatcher } from '../billing/longest-prefix';
import type { RouteRate } from './route-types';

/**
 * Buy rates of every carrier, indexed once: for a number, each carrier's own longest-prefix rate
 * (carrier X may know +4930 while carrier Y only knows +49; both can carry the call, each at its
 * own price). Built from the rates in force; rebuilt when they change.
 */
export type BuyRateIndex<R extends RouteRate> = (number: string) => R[];

export function buyRateIndex<R extends RouteRate>(rates: readonly R[]): BuyRateIndex<R> {
  const byCarrier = new Map<number, R[]>();
  for (const rate of rates) {
    const list = byCarrier.get(rate.carrierId);
    if (list) list.push(rate);
    else byCarrier.set(rate.carrierId, [rate]);
  }
  const matchers = [...byCarrier.values()].map((list) => prefixMatcher(list));
  return (number) => {
    const found: R[] = [];
    for (const match of matchers) {
      const rate = match(number);
      if (rate) found.push(rate);
    }
    return found;
  };
}
