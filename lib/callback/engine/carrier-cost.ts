import { rateLeg, ratingTermsOf, type RatingTerms } from '../../billing';
import { MONEY_MAX_MINOR, minorUnits, type MinorUnits } from '../../domain/money';
import type { Store } from '../../store';

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
 * (lib/billing/rating.ts). Null for a leg that went out through no carrier. Two reads per leg:
 * the carrier's name and currency, and the rate in force (a sheet may have taken over since the
 * router last reloaded, so the router's cached rates are not the answer here).
 */
export async function carrierChargeOf(store: Store, leg: { carrierId: number | null; number: string; startedAt: number; billsec: number }): Promise<CarrierCharge | null> {
  if (leg.carrierId === null) return null;
  const carrier = await store.carriers.billingIdentity(leg.carrierId);
  if (!carrier) return null;
  const rate = RATEABLE.test(leg.number) ? await store.buyRates.findInForce(carrier.id, leg.number, leg.startedAt) : null;
  const terms = rate ? ratingTermsOf(rate) : null;
  return { carrier: carrier.name, currency: carrier.currency, terms, costMinor: terms ? carrierCostOf(terms, leg.billsec) : null };
}

/** The buy side of one leg, bounded like the sell side (settlement.ts) so its rows can always be written. */
export function carrierCostOf(terms: RatingTerms, billsec: number): MinorUnits {
  return minorUnits(Math.min(rateLeg(terms, billsec).costMinor, MONEY_MAX_MINOR));
}
