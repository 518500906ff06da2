/**
 * A carrier's buy rates over time, held in memory (issue #20: no statement per leg's settlement):
 * the rates in force at the instant they were read, plus every rate dated after it. The rate in
 * force at any later instant follows from them — a sheet loaded ahead of time takes over at its
 * own instant, not when the rates are next read. An earlier instant follows from them as well,
 * unless a sheet took effect between it and the read (its predecessor was not read): then the
 * schedule does not know, and the caller asks the database.
 *
 * The rule is the store's (lib/store/carrier-rates.ts `findInForce`): for each prefix, the rate
 * with the latest effective instant not after the call's; of those, the longest prefix matching
 * the number wins.
 */
export interface DatedRate {
  /** Digits of a number prefix. */
  readonly prefix: string;
  readonly effectiveFrom: number;
}

/** The rate in force for `digits` (a number's, without `+`) at `at`; null for none; undefined when the schedule cannot tell. */
export type BuyRateSchedule<R extends DatedRate> = (digits: string, at: number) => R | null | undefined;

/**
 * `inForce`: the rates in force at the read (at most one per prefix); `later`: the rates dated
 * after it. A caller bug in them (two rates of one prefix in force) throws, rather than pricing a
 * leg at either.
 */
export function buyRateSchedule<R extends DatedRate>(inForce: readonly R[], later: readonly R[]): BuyRateSchedule<R> {
  const byPrefix = new Map<string, R[]>();
  let knownFrom = Number.NEGATIVE_INFINITY;
  for (const rate of inForce) {
    if (byPrefix.has(rate.prefix)) throw new RangeError(`two buy rates of prefix ${rate.prefix} in force at once`);
    byPrefix.set(rate.prefix, [rate]);
    knownFrom = Math.max(knownFrom, rate.effectiveFrom);
  }
  for (const rate of [...later].sort((a, b) => a.effectiveFrom - b.effectiveFrom)) {
    const dated = byPrefix.get(rate.prefix);
    if (dated) dated.push(rate);
    else byPrefix.set(rate.prefix, [rate]);
  }
  return (digits, at) => {
    // A sheet that took effect after `at` may have replaced a rate in force at `at` that was not read.
    if (at < knownFrom) return undefined;
    for (let length = Math.min(digits.length, 15); length > 0; length -= 1) {
      const rate = latestBy(byPrefix.get(digits.slice(0, length)), at);
      if (rate) return rate;
    }
    return null;
  };
}

/** Of rates sorted by effective instant, the last one in force at `at`. */
function latestBy<R extends DatedRate>(dated: readonly R[] | undefined, at: number): R | undefined {
  if (!dated) return undefined;
  for (let index = dated.length - 1; index >= 0; index -= 1) {
    const rate = dated[index] as R;
    if (rate.effectiveFrom <= at) return rate;
  }
  return undefined;
}
