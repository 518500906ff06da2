import type { HangupCause } from '../esl/hangup-causes';

/**
 * Which failures of a carrier try mean "this carrier could not carry it" (try the next one within
 * the same attempt) rather than "the called party said no" (the attempt ends as it always did).
 * Only the route causes are configurable (`routing.failoverCauses`); anything not listed stops.
 */
export const DEFAULT_FAILOVER_CAUSES: readonly HangupCause[] = [
  'NORMAL_TEMPORARY_FAILURE',
  'NO_ROUTE_DESTINATION',
  'NO_ROUTE_TRANSIT_NET',
  'RECOVERY_ON_TIMER_EXPIRE',
  'GATEWAY_DOWN',
  'INVALID_GATEWAY',
  'NETWORK_OUT_OF_ORDER',
  'SWITCH_CONGESTION',
  'NORMAL_CIRCUIT_CONGESTION',
  'REQUESTED_CHAN_UNAVAIL',
  'BEARERCAPABILITY_NOTAVAIL',
  'DESTINATION_OUT_OF_ORDER',
  'EXCHANGE_ROUTING_ERROR',
  'SERVICE_UNAVAILABLE',
  'FACILITY_REJECTED',
  'INTERWORKING',
];

/**
 * Causes that come from the called party or from us: trying them on another carrier would ring a
 * busy phone again, or call someone who already answered or hung up. The setting refuses them.
 */
export const SUBSCRIBER_CAUSES: ReadonlySet<HangupCause> = new Set<HangupCause>([
  'USER_BUSY',
  'NO_ANSWER',
  'NO_USER_RESPONSE',
  'SUBSCRIBER_ABSENT',
  'CALL_REJECTED',
  'UNALLOCATED_NUMBER',
  'NUMBER_CHANGED',
  'INVALID_NUMBER_FORMAT',
  'NORMAL_CLEARING',
  'ORIGINATOR_CANCEL',
  'LOSE_RACE',
  'SYSTEM_SHUTDOWN',
  'MANAGER_REQUEST',
]);

export type TryVerdict = 'next_carrier' | 'stop';

export function tryVerdict(cause: HangupCause, failoverCauses: ReadonlySet<HangupCause>): TryVerdict {
  return failoverCauses.has(cause) ? 'next_carrier' : 'stop';
}
