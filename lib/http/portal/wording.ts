import type { RefusalReason } from '../../callback/engine/funds';
import type { LegState } from '../../callback/state/leg-state';
import type { LiveStatus } from '../../callback/state/live-status';
import type { RequestState } from '../../callback/state/request-state';
import type { CallbackMode, FaxStatus } from '../../store';
import type { HangupCause } from '../../esl/hangup-causes';

/*
 * What the portal says instead of the engine's states and FreeSWITCH's causes: a subscriber reads
 * "Busy", never USER_BUSY or no_answer. Every table is keyed by its whole type, so a state or
 * cause added to the code fails to compile until it has words here. The live script gets the same
 * tables (script.ts), so a page updated live reads like one rendered by the server.
 */

export const REQUEST_STATE_WORDS: { readonly [S in RequestState]: string } = {
  queued: 'Waiting to start',
  retry_scheduled: 'Will try again',
  dialing_a: 'Calling you',
  dialing_both: 'Calling both numbers',
  b_answered: 'Other party answered, calling you',
  a_answered: 'You answered, choosing the number',
  dialing_b: 'Calling the other party',
  bridged: 'In conversation',
  receiving_fax: 'Receiving a fax',
  conference: 'In a conference call',
  transferred: 'Transferred',
  completed: 'Finished',
  busy: 'Busy',
  no_answer: 'No answer',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const LEG_STATE_WORDS: { readonly [S in LegState]: string } = {
  dialing: 'Dialing',
  ringing: 'Ringing',
  answered: 'Answered',
  bridged: 'Talking',
  completed: 'Call ended',
  busy: 'Busy',
  no_answer: 'No answer',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The W3 words the live streams carry (the API's, with `no-answer` and a `queued` leg). */
export const LIVE_STATUS_WORDS: { readonly [S in LiveStatus]: string } = {
  queued: 'Waiting',
  dialing: LEG_STATE_WORDS.dialing,
  ringing: LEG_STATE_WORDS.ringing,
  answered: LEG_STATE_WORDS.answered,
  busy: LEG_STATE_WORDS.busy,
  'no-answer': LEG_STATE_WORDS.no_answer,
  failed: LEG_STATE_WORDS.failed,
  bridged: LEG_STATE_WORDS.bridged,
  completed: LEG_STATE_WORDS.completed,
};

/**
 * A live leg's words. W3 folds a cancelled leg into `completed`; a leg only completes after an
 * answer (leg-state.ts), so a `completed` leg that never answered was cancelled, and says so.
 */
export function liveLegWords(status: LiveStatus, answered: boolean): string {
  return status === 'completed' && !answered ? LEG_STATE_WORDS.cancelled : LIVE_STATUS_WORDS[status];
}

export const HANGUP_CAUSE_WORDS: { readonly [C in HangupCause]: string } = {
  UNALLOCATED_NUMBER: 'Number does not exist',
  NO_ROUTE_TRANSIT_NET: 'Number cannot be reached',
  NO_ROUTE_DESTINATION: 'Number cannot be reached',
  CHANNEL_UNACCEPTABLE: 'Network problem',
  NORMAL_CLEARING: 'Call ended',
  USER_BUSY: 'Busy',
  NO_USER_RESPONSE: 'No answer',
  NO_ANSWER: 'No answer',
  SUBSCRIBER_ABSENT: 'Phone unreachable',
  CALL_REJECTED: 'Call rejected',
  NUMBER_CHANGED: 'Number has changed',
  REDIRECTION_TO_NEW_DESTINATION: 'Number has changed',
  EXCHANGE_ROUTING_ERROR: 'Network problem',
  DESTINATION_OUT_OF_ORDER: 'Phone out of order',
  INVALID_NUMBER_FORMAT: 'Incomplete or wrong number',
  FACILITY_REJECTED: 'Call rejected by the network',
  RESPONSE_TO_STATUS_ENQUIRY: 'Network problem',
  NORMAL_UNSPECIFIED: 'Call ended',
  NORMAL_CIRCUIT_CONGESTION: 'Network busy',
  NETWORK_OUT_OF_ORDER: 'Network problem',
  NORMAL_TEMPORARY_FAILURE: 'Temporary network problem',
  SWITCH_CONGESTION: 'Network busy',
  ACCESS_INFO_DISCARDED: 'Network problem',
  REQUESTED_CHAN_UNAVAIL: 'Network busy',
  PRE_EMPTED: 'Network problem',
  FACILITY_NOT_SUBSCRIBED: 'Service not available for this number',
  OUTGOING_CALL_BARRED: 'Calls to this number are barred',
  INCOMING_CALL_BARRED: 'The number does not accept calls',
  BEARERCAPABILITY_NOTAUTH: 'Call type not allowed',
  BEARERCAPABILITY_NOTAVAIL: 'Call type not available',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  BEARERCAPABILITY_NOTIMPL: 'Call type not supported',
  CHAN_NOT_IMPLEMENTED: 'Call type not supported',
  FACILITY_NOT_IMPLEMENTED: 'Service not supported',
  SERVICE_NOT_IMPLEMENTED: 'Service not supported',
  INVALID_CALL_REFERENCE: 'Network problem',
  INCOMPATIBLE_DESTINATION: 'The phone cannot take this call',
  INVALID_MSG_UNSPECIFIED: 'Network problem',
  MANDATORY_IE_MISSING: 'Network problem',
  MESSAGE_TYPE_NONEXIST: 'Network problem',
  WRONG_MESSAGE: 'Network problem',
  IE_NONEXIST: 'Network problem',
  INVALID_IE_CONTENTS: 'Network problem',
  WRONG_CALL_STATE: 'Network problem',
  RECOVERY_ON_TIMER_EXPIRE: 'No answer',
  MANDATORY_IE_LENGTH_ERROR: 'Network problem',
  PROTOCOL_ERROR: 'Network problem',
  INTERWORKING: 'Network problem',
  SUCCESS: 'Call ended',
  ORIGINATOR_CANCEL: 'Cancelled',
  CRASH: 'Interrupted by a system fault',
  SYSTEM_SHUTDOWN: 'Interrupted by maintenance',
  LOSE_RACE: 'Answered elsewhere',
  MANAGER_REQUEST: 'Ended by the service',
  BLIND_TRANSFER: 'Transferred',
  ATTENDED_TRANSFER: 'Transferred',
  ALLOTTED_TIMEOUT: 'Time limit reached',
  USER_CHALLENGE: 'Network problem',
  MEDIA_TIMEOUT: 'Connection lost',
  PICKED_OFF: 'Answered elsewhere',
  USER_NOT_REGISTERED: 'Phone unreachable',
  PROGRESS_TIMEOUT: 'No answer',
  INVALID_GATEWAY: 'Network problem',
  GATEWAY_DOWN: 'Network problem',
  INVALID_URL: 'Network problem',
  INVALID_PROFILE: 'Network problem',
  NO_PICKUP: 'No answer',
  SRTP_READ_ERROR: 'Connection lost',
};

/** Why the engine refused to start or continue a call (funds.ts), as a request's last cause. */
export const REFUSAL_WORDS: { readonly [R in RefusalReason]: string } = {
  account_missing: 'Account not found',
  account_inactive: 'Account disabled',
  not_in_callback_tariff: 'Your number cannot be called back',
  destination_not_in_tariff: 'This destination is not available',
  no_payer: 'No account to charge',
  insufficient_funds: 'Not enough credit',
  too_many_concurrent: 'Too many calls at once',
  callback_disabled: 'Callback is switched off',
  call_ended: 'Call ended',
};

/** The other words a request's last cause may hold (request-runner.ts, recover.ts, engine.ts). */
export const OTHER_CAUSE_WORDS: Readonly<Record<string, string>> = {
  CANCELLED: 'Cancelled',
  CONTROLLER_LOST: 'Interrupted by a system restart',
  no_ivr_on_leg: 'The voice menu was not available',
  no_destination: 'No number was chosen',
  ivr_error: 'The voice menu failed',
};

const CAUSE_WORDS: Readonly<Record<string, string>> = { ...OTHER_CAUSE_WORDS, ...REFUSAL_WORDS, ...HANGUP_CAUSE_WORDS };

/** Shown for a cause the tables do not know (a newer FreeSWITCH, a reason added later): never its raw name. */
export const UNKNOWN_CAUSE_WORDS = 'Ended for another reason';

/** A hangup cause or refusal reason in words; empty when there is none. */
export function causeWords(cause: string | null | undefined): string {
  if (!cause) return '';
  return CAUSE_WORDS[cause] ?? UNKNOWN_CAUSE_WORDS;
}

export function requestStateWords(state: string): string {
  return (REQUEST_STATE_WORDS as Readonly<Record<string, string>>)[state] ?? UNKNOWN_STATE_WORDS;
}

export function legStateWords(state: string): string {
  return (LEG_STATE_WORDS as Readonly<Record<string, string>>)[state] ?? UNKNOWN_STATE_WORDS;
}

export const UNKNOWN_STATE_WORDS = 'Unknown';

export const MODE_WORDS: { readonly [M in CallbackMode]: string } = {
  source_first: 'My number first',
  simultaneous: 'Both at once',
};

export const FAX_STATUS_WORDS: { readonly [S in FaxStatus]: string } = {
  received: 'Received',
  failed: 'Not received',
};

/** A payment's method is the operator's free text ("bank", "card", "bank_transfer"): shown as words. */
export function paymentMethodWords(method: string): string {
  const words = method.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Tables the live script needs, to word what the streams send. */
export const LIVE_WORDS = {
  requestStates: REQUEST_STATE_WORDS,
  liveStatuses: LIVE_STATUS_WORDS,
  causes: CAUSE_WORDS,
  cancelled: LEG_STATE_WORDS.cancelled,
  unknownCause: UNKNOWN_CAUSE_WORDS,
  unknownState: UNKNOWN_STATE_WORDS,
};
