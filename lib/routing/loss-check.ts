import { legCostExact } from '../billing/rating';
import { exactTerms, type RatingTerms } from '../billing/rating-terms';

/** What the payer is charged for the leg: its sell rate's terms, in its tariff's currency (null: not known). */
export interface SellPrice {
  readonly terms: RatingTerms;
  readonly currency: string | null;
}

/** `other_currency`: the buy rate is in another currency than the sell rate, so its cost cannot be compared. */
export type LossVerdict = 'no_loss' | 'loss' | 'other_currency';

/**
 * Whether a carrier loses money on the leg (`routing.allowLossCalls`). Its cost is compared with
 * the price on two counts, and a loss on either is a loss:
 * - the shortest answered call (one second): each side's connection fee plus its first billing
 *   increment or minimum, whichever is longer, so a fee or a long first block is counted;
 * - the rate per minute, so that a long call does not lose either.
 * Lengths in between are not compared: at an equal rate per minute, a carrier with a coarser next
 * increment than the tariff's may still lose up to one increment's worth on a call.
 * Rates in different currencies are not converted: their comparison is refused.
 */
export function lossVerdict(buy: RatingTerms, buyCurrency: string, sell: SellPrice): LossVerdict {
  if (sell.currency !== buyCurrency) return 'other_currency';
  const buyTerms = exactTerms(buy);
  const sellTerms = exactTerms(sell.terms);
  if (legCostExact(buyTerms, SHORTEST_CALL_SECONDS) > legCostExact(sellTerms, SHORTEST_CALL_SECONDS)) return 'loss';
  return buyTerms.ratePerMinute > sellTerms.ratePerMinute ? 'loss' : 'no_loss';
}

const SHORTEST_CALL_SECONDS = 1n;
