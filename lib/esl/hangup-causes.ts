/**
 * FreeSWITCH hangup causes with their Q.850 code and the SIP status mod_sofia sends for them
 * (`hangup_cause_to_sip`), and the reverse mapping for SIP responses we receive. One table, used
 * for rejecting access calls, reading originate results, retry policy and CDRs.
 */
const TABLE = [
  ['UNALLOCATED_NUMBER', 1, 404],
  ['NO_ROUTE_TRANSIT_NET', 2, 404],
  ['NO_ROUTE_DESTINATION', 3, 404],
  ['CHANNEL_UNACCEPTABLE', 6, undefined],
  ['NORMAL_CLEARING', 16, undefined],
  ['USER_BUSY', 17, 486],
  ['NO_USER_RESPONSE', 18, 408],
  ['NO_ANSWER', 19, 480],
  ['SUBSCRIBER_ABSENT', 20, 480],
  ['CALL_REJECTED', 21, 603],
  ['NUMBER_CHANGED', 22, 410],
  ['REDIRECTION_TO_NEW_DESTINATION', 23, 410],
  ['EXCHANGE_ROUTING_ERROR', 25, 483],
  ['DESTINATION_OUT_OF_ORDER', 27, 502],
  ['INVALID_NUMBER_FORMAT', 28, 484],
  ['FACILITY_REJECTED', 29, 501],
  ['RESPONSE_TO_STATUS_ENQUIRY', 30, undefined],
  ['NORMAL_UNSPECIFIED', 31, 480],
  ['NORMAL_CIRCUIT_CONGESTION', 34, 503],
  ['NETWORK_OUT_OF_ORDER', 38, 503],
  ['NORMAL_TEMPORARY_FAILURE', 41, 503],
  ['SWITCH_CONGESTION', 42, 503],
  ['ACCESS_INFO_DISCARDED', 43, undefined],
  ['REQUESTED_CHAN_UNAVAIL', 44, 503],
  ['PRE_EMPTED', 45, undefined],
  ['FACILITY_NOT_SUBSCRIBED', 50, undefined],
  ['OUTGOING_CALL_BARRED', 52, 403],
  ['INCOMING_CALL_BARRED', 54, 403],
  ['BEARERCAPABILITY_NOTAUTH', 57, 403],
  ['BEARERCAPABILITY_NOTAVAIL', 58, 503],
  ['SERVICE_UNAVAILABLE', 63, undefined],
  ['BEARERCAPABILITY_NOTIMPL', 65, 488],
  ['CHAN_NOT_IMPLEMENTED', 66, undefined],
  ['FACILITY_NOT_IMPLEMENTED', 69, 501],
  ['SERVICE_NOT_IMPLEMENTED', 79, 501],
  ['INVALID_CALL_REFERENCE', 81, undefined],
  ['INCOMPATIBLE_DESTINATION', 88, 488],
  ['INVALID_MSG_UNSPECIFIED', 95, undefined],
  ['MANDATORY_IE_MISSING', 96, undefined],
  ['MESSAGE_TYPE_NONEXIST', 97, undefined],
  ['WRONG_MESSAGE', 98, undefined],
  ['IE_NONEXIST', 99, undefined],
  ['INVALID_IE_CONTENTS', 100, undefined],
  ['WRONG_CALL_STATE', 101, undefined],
  ['RECOVERY_ON_TIMER_EXPIRE', 102, 504],
  ['MANDATORY_IE_LENGTH_ERROR', 103, undefined],
  ['PROTOCOL_ERROR', 111, undefined],
  ['INTERWORKING', 127, 500],
  ['SUCCESS', 142, undefined],
  ['ORIGINATOR_CANCEL', 487, 487],
  ['CRASH', 700, undefined],
  ['SYSTEM_SHUTDOWN', 701, undefined],
  ['LOSE_RACE', 702, undefined],
  ['MANAGER_REQUEST', 703, undefined],
  ['BLIND_TRANSFER', 800, undefined],
  ['ATTENDED_TRANSFER', 801, undefined],
  ['ALLOTTED_TIMEOUT', 802, undefined],
  ['USER_CHALLENGE', 803, undefined],
  ['MEDIA_TIMEOUT', 804, undefined],
  ['PICKED_OFF', 805, undefined],
  ['USER_NOT_REGISTERED', 806, undefined],
  ['PROGRESS_TIMEOUT', 807, undefined],
  ['INVALID_GATEWAY', 808, 484],
  ['GATEWAY_DOWN', 809, 503],
  ['INVALID_URL', 810, undefined],
  ['INVALID_PROFILE', 811, undefined],
  ['NO_PICKUP', 812, undefined],
  ['SRTP_READ_ERROR', 813, undefined],
] as const;

export type HangupCause = (typeof TABLE)[number][0];

export interface HangupCauseInfo {
  readonly name: HangupCause;
  readonly code: number;
  /** The SIP status FreeSWITCH answers with when it rejects a call with this cause, if any. */
  readonly sip: number | undefined;
}

const BY_NAME = new Map<string, HangupCauseInfo>(TABLE.map(([name, code, sip]) => [name, { name, code, sip }]));
const BY_CODE = new Map<number, HangupCauseInfo>(TABLE.map(([name, code, sip]) => [code, { name, code, sip }]));

export const HANGUP_CAUSES: readonly HangupCauseInfo[] = [...BY_NAME.values()];

export function isHangupCause(value: string): value is HangupCause {
  return BY_NAME.has(value);
}

export function hangupCauseInfo(cause: HangupCause): HangupCauseInfo {
  return BY_NAME.get(cause) as HangupCauseInfo;
}

/** Accepts what `switch_channel_str2cause` accepts: a cause name or its Q.850 number. */
export function parseHangupCause(value: string | number): HangupCause | undefined {
  const text = String(value).trim().toUpperCase();
  if (/^\d+$/.test(text)) return BY_CODE.get(Number(text))?.name;
  return BY_NAME.get(text)?.name;
}

/** What a FreeSWITCH leg hangs up with when the far end answers our INVITE with a SIP status. */
export function causeForSipStatus(status: number): HangupCause {
  switch (status) {
    case 404:
      return 'UNALLOCATED_NUMBER';
    case 408:
      return 'RECOVERY_ON_TIMER_EXPIRE';
    case 480:
      return 'NO_USER_RESPONSE';
    case 486:
    case 600:
      return 'USER_BUSY';
    case 487:
      return 'ORIGINATOR_CANCEL';
    case 603:
      return 'CALL_REJECTED';
    case 503:
      return 'NORMAL_TEMPORARY_FAILURE';
    default:
      return 'NORMAL_UNSPECIFIED';
  }
}

/** Whether a failed leg is worth dialing again later (busy / no answer / network trouble). */
export function isRetryableCause(cause: HangupCause): boolean {
  return RETRYABLE.has(cause);
}

const RETRYABLE = new Set<HangupCause>([
  'USER_BUSY',
  'NO_ANSWER',
  'NO_USER_RESPONSE',
  'SUBSCRIBER_ABSENT',
  // A user of the node whose phone is not registered now (call_extension): off, like SUBSCRIBER_ABSENT.
  'USER_NOT_REGISTERED',
  'NORMAL_CIRCUIT_CONGESTION',
  'NETWORK_OUT_OF_ORDER',
  'NORMAL_TEMPORARY_FAILURE',
  'SWITCH_CONGESTION',
  'REQUESTED_CHAN_UNAVAIL',
  'RECOVERY_ON_TIMER_EXPIRE',
  'GATEWAY_DOWN',
  'DESTINATION_OUT_OF_ORDER',
  'MEDIA_TIMEOUT',
  'PROGRESS_TIMEOUT',
]);
