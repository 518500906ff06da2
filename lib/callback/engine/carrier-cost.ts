import { rateLeg, ratingTermsOf, type RatingTerms } from '../../billing';
import { MONEY_MAX_MINOR, minorUnits, type MinorUnits } from '../../domain/money';
import type { PriceReads } from '../../store/cached-prices';

/** What the carrier a leg went out through charges us for it (issue #17 item 6: margin = price − this). */
export interface CarrierCharge {
  readonly carrier: string;
  readonly currency: string;
  /** The buy rate's terms; null when the carrier has no rate in force for the number (cost unknown). */
  readonly terms: RatingTerms | null;
  readonly costMinor: MinorUnits | null;
}

/** Numbers the buy rates can price: the digits of E.164 or of an extension, at most 15. */
const RATEABLE = /^\+?[0-9]{1,15}$/;

/**
 * What the leg's carrier (the try's own, known to its LiveLeg) charges for it: its buy rate in
 * force when the leg started, applied to the leg's billsec exactly as a sell rate is
 * (lib/billing/rating.ts). Null for a leg that went out through no carrier. The carrier's name
 * and currency and its rate in force then come from the price reads (normally memory): not the
 * router's table, which a sheet may have taken over from since it was read.
 */
export async function carrierChargeOf(prices: PriceReads, leg: { carrierId: number | null; number: string; startedAt: number; billsec: number }): Promise<CarrierCharge | null> {
  if (leg.carrierId === null) return null;
  const carrier = await prices.carrierIdentity(leg.carrierId);
  if (!carrier) return null;
  const rate = RATEABLE.test(leg.number) ? await prices.buyRateInForce(carrier.id, leg.number, leg.startedAt) : null;
  const terms = rate ? ratingTermsOf(rate) : null;
  return { carrier: carrier.name, currency: carrier.currency, terms, costMinor: terms ? carrierCostOf(terms, leg.billsec) : null };
}

/** The buy side of one leg, bounded like the sell side (settlement.ts) so its rows can always be written. */
export function carrierCostOf(terms: RatingTerms, billsec: number): MinorUnits {
  return minorUnits(Math.min(rateLeg(terms, billsec).costMinor, MONEY_MAX_MINOR));
}
