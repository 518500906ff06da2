import type { HangupCause } from '../../esl/hangup-causes';
import { assertNever } from '../state/assert-never';
import { legOutcomeForCause, type UnansweredLegOutcome } from '../state/leg-state';

/**
 * C3: what leg A (answered, waiting on ringback) hears when leg B ends without answering, and
 * what happens to A afterwards.
 *
 *   B ended as   prompt on A   why
 *   busy         busyIvr       the O3 "Busy IVR"
 *   no_answer    failedIvr     only two prompts exist, and "could not be connected" is true of a
 *                              callee who did not pick up too; ending in silence after the
 *                              ringback leaves the subscriber guessing
 *   failed       failedIvr     the O3 "Failed IVR" (unallocated, invalid format, no route, …)
 *   cancelled    none          B was ended on purpose (A hung up, or we cancelled it): there is
 *                              no failure to explain, and usually no one left to hear it
 *
 * Then A is asked for another destination (two-stage loop, C4) when `askAgainOnFailure` is on,
 * else hung up. It is not an O3 setting: the engine chooses it per trigger (an access-number
 * caller is already in the IVR; a web "connect two numbers" has no one to type a new number).
 */
export interface LegBFailureSettings {
  /** Prompt names as validated by the settings schema; null (or empty) means none. */
  readonly busyIvr: string | null;
  readonly failedIvr: string | null;
  readonly askAgainOnFailure: boolean;
}

export interface IvrOutcome {
  /** How leg B ended, which is also how the request ends when A is hung up. */
  readonly legB: UnansweredLegOutcome;
  readonly prompt: string | null;
  readonly then: 'ask_again' | 'hang_up';
}

export function ivrOutcomeForLegB(cause: HangupCause, settings: LegBFailureSettings): IvrOutcome {
  const legB = legOutcomeForCause(cause, false);
  return {
    legB,
    prompt: promptName(promptFor(legB, settings)),
    then: settings.askAgainOnFailure ? 'ask_again' : 'hang_up',
  };
}

function promptFor(outcome: UnansweredLegOutcome, settings: LegBFailureSettings): string | null {
  switch (outcome) {
    case 'busy':
      return settings.busyIvr;
    case 'no_answer':
    case 'failed':
      return settings.failedIvr;
    case 'cancelled':
      return null;
    default:
      return assertNever(outcome);
  }
}

function promptName(value: string | null): string | null {
  return value === null || value.trim() === '' ? null : value;
}
