import type { E164 } from '../domain/phone-number';

/*
 * What routing needs from a carrier and a buy rate: the parts of the store's Carrier and BuyRate
 * (lib/store/carriers.ts) it reads, so the pure core is tested with plain objects and never
 * imports store code.
 */

export type CallerIdMode = 'pass' | 'fixed' | 'anonymous';

/** `node` '*' means the gateway exists on every node. */
export interface CarrierGateway {
  readonly node: string;
  readonly gateway: string;
}

export interface RouteCarrier {
  readonly id: number;
  readonly name: string;
  /** Digits put in front of the number after stripping, e.g. a carrier's tech prefix. */
  readonly dialPrefix: string;
  /** Leading digits of the E.164 digits (without +) removed before the prefix is added. */
  readonly stripDigits: number;
  readonly callerIdMode: CallerIdMode;
  readonly callerIdNumber: E164 | null;
  readonly maxChannels: number | null;
  readonly maxCps: number | null;
  /** Lower first. */
  readonly priority: number;
  /** Share among carriers of the same priority under the `priority` policy. */
  readonly weight: number;
  readonly enabled: boolean;
  readonly gateways: ReadonlyArray<CarrierGateway>;
}

export interface RouteRate {
  readonly carrierId: number;
  readonly prefix: string;
  /** Micro-units per minute, like a sell rate's. */
  readonly ratePerMinute: number;
}

export const ROUTE_POLICIES = ['cheapest', 'priority'] as const;
export type RoutePolicy = (typeof ROUTE_POLICIES)[number];

/** Every node: a carrier gateway row, or the node choice meaning "any node". */
export const EVERY_NODE = '*';
