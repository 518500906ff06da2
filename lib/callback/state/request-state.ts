import { stateMachine, type TransitionTable } from './transition-table';

/**
 * The life of one callback request (C1, C4, C5), as stored in `callback_requests.state`.
 *
 *   queued, retry_scheduled  waiting for their due time; no call exists.
 *   dialing_a                leg A is being dialed (source first), B not yet.
 *   dialing_both             simultaneous mode (C5): A and B are both being dialed.
 *   b_answered               simultaneous mode only: B answered first and waits (parked, hearing
 *                            ringback) while A still rings.
 *   a_answered               A is up and in the IVR choosing a destination (C2): the request had
 *                            none ("ask on leg A"), or a talk ended and the two-stage loop (C4) asks
 *                            for the next one.
 *   dialing_b                A is up and B is being dialed (A hears ringback).
 *   bridged                  A and B are talking.
 *   receiving_fax            D5 `*1`: B was handed to fax receive and is still billed; A was told and
 *                            released. Only B's end (or a cancel) moves it on.
 *   conference               D6 `*3`: A, B and a third party C talk in a conference; lib/features
 *                            follows the members (the last two talk on, a lone one is ended) and
 *                            reports the end. A's or B's hangup alone does not end the request.
 *   transferred              A hung up while consulting a third party (D1): FreeSWITCH connected
 *                            B with it, and the request ends when B does.
 *   completed … cancelled    final; busy and no_answer are reached only once leg A's retries are
 *                            exhausted (or when leg B, which is never retried, ends that way).
 *
 * Why `dialing_both` and `b_answered` exist instead of reusing dialing_a / dialing_b: in
 * simultaneous mode a failure of A must also end a B that is already ringing or up, and an answer
 * of A must bridge rather than dial. With their own states the table says so, and the engine can
 * tell from the row alone which legs exist. "A answered first" needs no state of its own: it is
 * exactly `dialing_b` (A up, B ringing).
 */
export const REQUEST_STATES = [
  'queued',
  'retry_scheduled',
  'dialing_a',
  'dialing_both',
  'b_answered',
  'a_answered',
  'dialing_b',
  'bridged',
  'receiving_fax',
  'conference',
  'transferred',
  'completed',
  'busy',
  'no_answer',
  'failed',
  'cancelled',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const FINAL_STATES = ['completed', 'busy', 'no_answer', 'failed', 'cancelled'] as const satisfies readonly RequestState[];
export type FinalState = (typeof FINAL_STATES)[number];
export type ActiveState = Exclude<RequestState, FinalState>;

/* prettier-ignore */
export const REQUEST_TRANSITIONS = {
  queued:          ['dialing_a', 'dialing_both', 'failed', 'cancelled'],
  retry_scheduled: ['dialing_a', 'dialing_both', 'failed', 'cancelled'],
  dialing_a:       ['a_answered', 'dialing_b', 'retry_scheduled', 'busy', 'no_answer', 'failed', 'cancelled'],
  dialing_both:    ['dialing_b', 'b_answered', 'retry_scheduled', 'busy', 'no_answer', 'failed', 'cancelled'],
  b_answered:      ['bridged', 'retry_scheduled', 'busy', 'no_answer', 'failed', 'cancelled'],
  a_answered:      ['dialing_b', 'completed', 'failed', 'cancelled'],
  dialing_b:       ['bridged', 'a_answered', 'completed', 'busy', 'no_answer', 'failed', 'cancelled'],
  bridged:         ['a_answered', 'dialing_b', 'transferred', 'completed', 'cancelled', 'receiving_fax', 'conference'],
  receiving_fax:   ['completed', 'cancelled'],
  conference:      ['completed', 'cancelled'],
  transferred:     ['completed', 'cancelled'],
  completed:       [],
  busy:            [],
  no_answer:       [],
  failed:          [],
  cancelled:       [],
} as const satisfies TransitionTable<RequestState>;

const machine = stateMachine<RequestState>('request', REQUEST_TRANSITIONS);

export const isRequestState = machine.isState;
export const isFinalState = (state: RequestState): state is FinalState => machine.isFinal(state);
export const canTransition = machine.canTransition;
export const assertTransition = machine.assertTransition;
export const nextStatesOf = machine.nextStatesOf;

/** What the scheduler claims: requests waiting for their due time (the store's DUE_STATES only has `queued`). */
export const DUE_REQUEST_STATES = ['queued', 'retry_scheduled'] as const satisfies readonly ActiveState[];

/** Requests with a call on the wire, for the per-account concurrency limit (A5). */
export const CALL_IN_PROGRESS_STATES = [
  'dialing_a',
  'dialing_both',
  'b_answered',
  'a_answered',
  'dialing_b',
  'bridged',
  'receiving_fax',
  'conference',
  'transferred',
] as const satisfies readonly ActiveState[];
