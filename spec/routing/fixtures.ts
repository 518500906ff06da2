import type { E164 } from '../../lib/domain/phone-number';
import type { RatingTerms } from '../../lib/billing';
import { minorUnits } from '../../lib/domain/money';
import type { RouteCarrier, RouteRate } from '../../lib/routing/route-types';

export function carrier(id: number, name: string, fields: Partial<RouteCarrier> = {}): RouteCarrier {
  return {
    id,
    name,
    currency: 'USD',
    dialPrefix: '',
    stripDigits: 0,
    callerIdMode: 'pass',
    callerIdNumber: null,
    maxChannels: null,
    maxCps: null,
    priority: 10,
    weight: 1,
    enabled: true,
    gateways: [{ node: '*', gateway: `gw-${name}` }],
    ...fields,
  };
}

/** Per second, no fee, no minimum, unless `terms` say otherwise. */
export function rate(carrierId: number, prefix: string, ratePerMinute: number, terms: Partial<RatingTerms> = {}): RouteRate {
  return { carrierId, prefix, ...perSecond(ratePerMinute), ...terms };
}

export function perSecond(ratePerMinute: number): RatingTerms {
  return { ratePerMinute, connectionFeeMinor: minorUnits(0), incrementFirstSeconds: 1, incrementNextSeconds: 1, minimumSeconds: 0 };
}

export const e164 = (text: string): E164 => text as E164;
