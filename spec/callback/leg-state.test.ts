import { HANGUP_CAUSES, type HangupCause } from '../../lib/esl/hangup-causes';
import {
  assertLegTransition,
  canLegTransition,
  endedLegState,
  isFinalLegState,
  isLegState,
  LEG_STATES,
  legOutcomeForCause,
  nextLegStatesOf,
  type LegState,
} from '../../lib/callback/state/leg-state';
import { LIVE_STATUSES, liveStatusOf } from '../../lib/callback/state/live-status';
import { IllegalTransition } from '../../lib/callback/state/transition-table';

/* x = allowed. Columns: di dialing, ri ringing, an answered, br bridged, co completed, bu busy, na no_answer, fa failed, ca cancelled */
const COLUMNS: readonly LegState[] = ['dialing', 'ringing', 'answered', 'bridged', 'completed', 'busy', 'no_answer', 'failed', 'cancelled'];
const MATRIX = `
  from       di ri an br co bu na fa ca
  dialing    .  x  x  .  .  x  x  x  x
  ringing    .  .  x  .  .  x  x  x  x
  answered   .  .  .  x  x  .  .  x  .
  bridged    .  .  x  .  x  .  .  x  .
  completed  .  .  .  .  .  .  .  .  .
  busy       .  .  .  .  .  .  .  .  .
  no_answer  .  .  .  .  .  .  .  .  .
  failed     .  .  .  .  .  .  .  .  .
  cancelled  .  .  .  .  .  .  .  .  .
`;

function expectedPairs(): Array<[LegState, LegState, boolean]> {
  return MATRIX.trim()
    .split('\n')
    .slice(1)
    .flatMap((row) => {
      const [from, ...marks] = row.trim().split(/\s+/);
      if (from === undefined || !isLegState(from) || marks.length !== COLUMNS.length) throw new Error(`bad matrix row: ${row}`);
      return COLUMNS.map((to, i): [LegState, LegState, boolean] => [from, to, marks[i] === 'x']);
    });
}

describe('leg state table', () => {
  it('the matrix covers every state', () => {
    expect([...COLUMNS].sort()).toEqual([...LEG_STATES].sort());
    expect(expectedPairs()).toHaveLength(LEG_STATES.length ** 2);
  });

  it.each(expectedPairs())('%s -> %s allowed: %s', (from, to, allowed) => {
    expect(canLegTransition(from, to)).toBe(allowed);
    expect(nextLegStatesOf(from).includes(to)).toBe(allowed);
    if (allowed) expect(() => assertLegTransition(from, to)).not.toThrow();
    else expect(() => assertLegTransition(from, to)).toThrow(IllegalTransition);
  });

  it('names the machine and both states when refusing', () => {
    expect(() => assertLegTransition('busy', 'answered')).toThrow(
      expect.objectContaining({ machine: 'leg', from: 'busy', to: 'answered', message: 'illegal leg transition busy -> answered' }),
    );
  });

  it('final leg states are the outcomes', () => {
    expect(LEG_STATES.filter(isFinalLegState)).toEqual(['completed', 'busy', 'no_answer', 'failed', 'cancelled']);
  });
});

describe('legOutcomeForCause', () => {
  const BUSY: readonly HangupCause[] = ['USER_BUSY'];
  const NO_ANSWER: readonly HangupCause[] = [
    'NO_ANSWER',
    'NO_USER_RESPONSE',
    'SUBSCRIBER_ABSENT',
    'RECOVERY_ON_TIMER_EXPIRE',
    'ALLOTTED_TIMEOUT',
    'NO_PICKUP',
  ];
  const CANCELLED: readonly HangupCause[] = ['ORIGINATOR_CANCEL', 'LOSE_RACE', 'MANAGER_REQUEST', 'PICKED_OFF'];
  const CUT_BY_FAULT: readonly HangupCause[] = [
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
  ];

  const unanswered = HANGUP_CAUSES.map(({ name }): [HangupCause, string] => [
    name,
    BUSY.includes(name) ? 'busy' : NO_ANSWER.includes(name) ? 'no_answer' : CANCELLED.includes(name) ? 'cancelled' : 'failed',
  ]);
  it.each(unanswered)('%s before answer -> %s', (cause, expected) => {
    expect(legOutcomeForCause(cause, false)).toBe(expected);
  });

  const answered = HANGUP_CAUSES.map(({ name }): [HangupCause, string] => [name, CUT_BY_FAULT.includes(name) ? 'failed' : 'completed']);
  it.each(answered)('%s after answer -> %s', (cause, expected) => {
    expect(legOutcomeForCause(cause, true)).toBe(expected);
  });

  it('classifies the causes the brief names', () => {
    expect(legOutcomeForCause('NORMAL_CLEARING', true)).toBe('completed');
    expect(legOutcomeForCause('NORMAL_CLEARING', false)).toBe('failed');
    expect(legOutcomeForCause('UNALLOCATED_NUMBER', false)).toBe('failed');
    expect(legOutcomeForCause('INVALID_GATEWAY', false)).toBe('failed');
    expect(legOutcomeForCause('CALL_REJECTED', false)).toBe('failed');
    expect(legOutcomeForCause('ALLOTTED_TIMEOUT', true)).toBe('completed'); // C6 hard stop after a talk
  });

  it('endedLegState follows the table from every live state and refuses an ended leg', () => {
    for (const { name } of HANGUP_CAUSES) {
      for (const from of ['dialing', 'ringing'] as const) expect(endedLegState(from, name)).toBe(legOutcomeForCause(name, false));
      for (const from of ['answered', 'bridged'] as const) expect(endedLegState(from, name)).toBe(legOutcomeForCause(name, true));
      expect(() => endedLegState('completed', name)).toThrow(IllegalTransition);
    }
  });
});

describe('live status (W3)', () => {
  it.each([
    ['dialing', 'dialing'],
    ['ringing', 'ringing'],
    ['answered', 'answered'],
    ['bridged', 'bridged'],
    ['completed', 'completed'],
    ['busy', 'busy'],
    ['no_answer', 'no-answer'],
    ['failed', 'failed'],
    ['cancelled', 'completed'],
  ] as const)('%s shows as %s', (state, status) => {
    expect(liveStatusOf(state)).toBe(status);
  });

  it('uses only the W3 words, and every word but queued comes from some leg state', () => {
    expect(LIVE_STATUSES).toEqual(['queued', 'dialing', 'ringing', 'answered', 'busy', 'no-answer', 'failed', 'bridged', 'completed']);
    const shown = new Set(LEG_STATES.map(liveStatusOf));
    expect(LIVE_STATUSES.filter((status) => !shown.has(status))).toEqual(['queued']);
  });
});
