import type { E164 } from '../../lib/domain/phone-number';
import type { RouteCarrier, RouteRate } from '../../lib/routing/route-types';

export function carrier(id: number, name: string, fields: Partial<RouteCarrier> = {}): RouteCarrier {
  return {
    id,
    name,
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

export function rate(carrierId: number, prefix: string, ratePerMinute: number): RouteRate {
  return { carrierId, prefix, ratePerMinute };
}

export const e164 = (text: string): E164 => text as E164;
