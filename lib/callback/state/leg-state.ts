import type { HangupCause } from '../../esl/hangup-causes';
import { stateMachine, type TransitionTable } from './transition-table';

/**
 * One call leg (A, B) as stored in `legs.state`. Each dial attempt is its own leg row, so a leg
 * never goes back to dialing; leg A does go from bridged back to answered when B leaves and the
 * two-stage loop (C4) keeps A in the IVR.
 */
export const LEG_STATES = ['dialing', 'ringing', 'answered', 'bridged', 'completed', 'busy', 'no_answer', 'failed', 'cancelled'] as const;
export type LegState = (typeof LEG_STATES)[number];

/** How a leg that never answered ended. */
export type UnansweredLegOutcome = 'busy' | 'no_answer' | 'failed' | 'cancelled';
/** How a leg that did answer ended. */
export type AnsweredLegOutcome = 'completed' | 'failed';

/* prettier-ignore */
export const LEG_TRANSITIONS = {
  dialing:   ['ringing', 'answered', 'busy', 'no_answer', 'failed', 'cancelled'],
  ringing:   ['answered', 'busy', 'no_answer', 'failed', 'cancelled'],
  answered:  ['bridged', 'completed', 'failed'],
  bridged:   ['answered', 'completed', 'failed'],
  completed: [],
  busy:      [],
  no_answer: [],
  failed:    [],
  cancelled: [],
} as const satisfies TransitionTable<LegState>;

const machine = stateMachine<LegState>('leg', LEG_TRANSITIONS);

export const isLegState = machine.isState;
export const isFinalLegState = machine.isFinal;
export const canLegTransition = machine.canTransition;
export const assertLegTransition = machine.assertTransition;
export const nextLegStatesOf = machine.nextStatesOf;

/*
 * Before answer. RECOVERY_ON_TIMER_EXPIRE is SIP 408, which many carriers send when the callee's
 * ring timer runs out; ALLOTTED_TIMEOUT and NO_PICKUP are FreeSWITCH's own ring timeouts;
 * SUBSCRIBER_ABSENT (a phone switched off) is, for the subscriber, the same as not answering.
 */
const NOT_ANSWERED = new Set<HangupCause>([
  'NO_ANSWER',
  'NO_USER_RESPONSE',
  'SUBSCRIBER_ABSENT',
  'RECOVERY_ON_TIMER_EXPIRE',
  'ALLOTTED_TIMEOUT',
  'NO_PICKUP',
]);

/* Before answer: someone ended the attempt on purpose (us, the other leg, another fork). */
const CANCELLED = new Set<HangupCause>(['ORIGINATOR_CANCEL', 'LOSE_RACE', 'MANAGER_REQUEST', 'PICKED_OFF']);

/*
 * After answer the parties talked, so almost every end is a normal one (including our own hangups
 * and the C6 ALLOTTED_TIMEOUT hard stop); only these say the call was cut by a fault.
 */
const CUT_BY_FAULT = new Set<HangupCause>([
  'MEDIA_TIMEOUT',
  'SRTP_READ_ERROR',
  'NETWORK_OUT_OF_ORDER',
  'DESTINATION_OUT_OF_ORDER',
  'NORMAL_TEMPORARY_FAILURE',
  'RECOVERY_ON_TIMER_EXPIRE',
  'PROTOCOL_ERROR',
  'INTERWORKING',
  'CRASH',
  'SYSTEM_SHUTDOWN',
]);

/**
 * The final state of a leg that ended with `cause`. Before answer: USER_BUSY is busy, the ring
 * timeouts are no_answer, deliberate ends are cancelled and everything else (including a
 * NORMAL_CLEARING nobody answered) is failed.
 */
export function legOutcomeForCause(cause: HangupCause, answered: false): UnansweredLegOutcome;
export function legOutcomeForCause(cause: HangupCause, answered: true): AnsweredLegOutcome;
export function legOutcomeForCause(cause: HangupCause, answered: boolean): UnansweredLegOutcome | AnsweredLegOutcome;
export function legOutcomeForCause(cause: HangupCause, answered: boolean): UnansweredLegOutcome | AnsweredLegOutcome {
  if (answered) return CUT_BY_FAULT.has(cause) ? 'failed' : 'completed';
  if (cause === 'USER_BUSY') return 'busy';
  if (NOT_ANSWERED.has(cause)) return 'no_answer';
  if (CANCELLED.has(cause)) return 'cancelled';
  return 'failed';
}

/** The state a leg in `from` ends in; throws IllegalTransition for a leg that already ended. */
export function endedLegState(from: LegState, cause: HangupCause): LegState {
  const to = legOutcomeForCause(cause, from === 'answered' || from === 'bridged');
  assertLegTransition(from, to);
  return to;
}
