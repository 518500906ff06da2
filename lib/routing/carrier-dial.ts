import { e164Digits, type E164 } from '../domain/phone-number';
import type { RouteCarrier } from './route-types';

/** A carrier's number rules cannot be applied to a number (a prefix that is not digits, a strip longer than the number). */
export class CarrierNumberError extends Error {
  constructor(carrier: string, number: E164, reason: string) {
    super(`carrier ${carrier} cannot dial ${number}: ${reason}`);
    this.name = 'CarrierNumberError';
  }
}

/**
 * The number as the carrier wants it: the E.164 digits (no +), the first `stripDigits` removed,
 * then `dialPrefix` put in front. E.g. strip 0, prefix '' sends 4930123; strip 2 and prefix '0'
 * sends 030123 to a German carrier that wants national numbers.
 */
export function carrierDialNumber(carrier: Pick<RouteCarrier, 'name' | 'dialPrefix' | 'stripDigits'>, number: E164): string {
  const digits = e164Digits(number);
  if (!/^[0-9]*$/.test(carrier.dialPrefix)) throw new CarrierNumberError(carrier.name, number, `dial prefix ${JSON.stringify(carrier.dialPrefix)} is not digits`);
  if (!Number.isInteger(carrier.stripDigits) || carrier.stripDigits < 0 || carrier.stripDigits >= digits.length) {
    throw new CarrierNumberError(carrier.name, number, `cannot strip ${carrier.stripDigits} of its ${digits.length} digits`);
  }
  return carrier.dialPrefix + digits.slice(carrier.stripDigits);
}

/** The caller ID a leg presents through this carrier. */
export type CarrierCallerId = { readonly kind: 'number'; readonly number: E164 } | { readonly kind: 'carrier_default' } | { readonly kind: 'anonymous' };

/**
 * `pass`: the caller ID the request's rules chose (none: the carrier's default); `fixed`: the
 * carrier's own number whatever was chosen; `anonymous`: number withheld.
 */
export function carrierCallerId(carrier: Pick<RouteCarrier, 'callerIdMode' | 'callerIdNumber'>, presented: E164 | undefined): CarrierCallerId {
  switch (carrier.callerIdMode) {
    case 'anonymous':
      return { kind: 'anonymous' };
    case 'fixed':
      return carrier.callerIdNumber === null ? { kind: 'carrier_default' } : { kind: 'number', number: carrier.callerIdNumber };
    case 'pass':
      return presented === undefined ? { kind: 'carrier_default' } : { kind: 'number', number: presented };
  }
}

/** The number a leg's caller ID shows on the wire: none when withheld or left to the carrier's default. */
export function sentCallerId(callerId: CarrierCallerId): E164 | undefined {
  return callerId.kind === 'number' ? callerId.number : undefined;
}
