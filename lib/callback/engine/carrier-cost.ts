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
 * The leg's carrier (legs.carrier_id), and its buy rate in force when the leg started, applied to
 * the leg's billsec exactly as a sell rate is (lib/billing/rating.ts). Null for a leg that went out
 * through no carrier. Read inside the settlement's transaction, so the figures land with the CDR.
 */
export async function carrierChargeOf(store: Store, leg: { uuid: string; number: string; startedAt: number; billsec: number }): Promise<CarrierCharge | null> {
  const row = await store.legs.findByUuid(leg.uuid);
  if (row?.carrierId === null || row?.carrierId === undefined) return null;
  const carrier = await store.carriers.get(row.carrierId);
  if (!carrier) return null;
  const rate = RATEABLE.test(leg.number) ? await store.buyRates.findInForce(carrier.id, leg.number, leg.startedAt) : null;
  const terms = rate ? ratingTermsOf(rate) : null;
  return { carrier: carrier.name, currency: carrier.currency, terms, costMinor: terms ? carrierCostOf(terms, leg.billsec) : null };
}

/** The buy side of one leg, bounded like the sell side (settlement.ts) so its rows can always be written. */
export function carrierCostOf(terms: RatingTerms, billsec: number): MinorUnits {
  return minorUnits(Math.min(rateLeg(terms, billsec).costMinor, MONEY_MAX_MINOR));
}
