import {
  assertTransition,
  canTransition,
  CALL_IN_PROGRESS_STATES,
  DUE_REQUEST_STATES,
  FINAL_STATES,
  isFinalState,
  isRequestState,
  nextStatesOf,
  REQUEST_STATES,
  REQUEST_TRANSITIONS,
  type RequestState,
} from '../../lib/callback/state/request-state';
import { IllegalTransition } from '../../lib/callback/state/transition-table';
import { INITIAL_STATE } from '../../lib/store/callback-requests';

/*
 * The expected matrix, written independently of the table: x = allowed, . = not.
 * Columns in this order:
 *   qu queued, rs retry_scheduled, dA dialing_a, d2 dialing_both, bA b_answered, aA a_answered,
 *   dB dialing_b, br bridged, tr transferred, co completed, bu busy, na no_answer, fa failed, ca cancelled
 */
const COLUMNS: readonly RequestState[] = [
  'queued',
  'retry_scheduled',
  'dialing_a',
  'dialing_both',
  'b_answered',
  'a_answered',
  'dialing_b',
  'bridged',
  'transferred',
  'completed',
  'busy',
  'no_answer',
  'failed',
  'cancelled',
];
const MATRIX = `
  from             qu rs dA d2 bA aA dB br tr co bu na fa ca
  queued           .  .  x  x  .  .  .  .  .  .  .  .  x  x
  retry_scheduled  .  .  x  x  .  .  .  .  .  .  .  .  x  x
  dialing_a        .  x  .  .  .  x  x  .  .  .  x  x  x  x
  dialing_both     .  x  .  .  x  .  x  .  .  .  x  x  x  x
  b_answered       .  x  .  .  .  .  .  x  .  .  x  x  x  x
  a_answered       .  .  .  .  .  .  x  .  .  x  .  .  x  x
  dialing_b        .  .  .  .  .  x  .  x  .  x  x  x  x  x
  bridged          .  .  .  .  .  x  x  .  x  x  .  .  .  x
  transferred      .  .  .  .  .  .  .  .  .  x  .  .  .  x
  completed        .  .  .  .  .  .  .  .  .  .  .  .  .  .
  busy             .  .  .  .  .  .  .  .  .  .  .  .  .  .
  no_answer        .  .  .  .  .  .  .  .  .  .  .  .  .  .
  failed           .  .  .  .  .  .  .  .  .  .  .  .  .  .
  cancelled        .  .  .  .  .  .  .  .  .  .  .  .  .  .
`;

/*
 * States added by in-call features, kept apart from the matrix so that each one adds whole lines:
 * the state, and every move into or out of it (anything not listed is not allowed).
 */
const FEATURE_STATES: readonly RequestState[] = ['receiving_fax', 'conference'];
const FEATURE_MOVES: ReadonlyArray<readonly [RequestState, RequestState]> = [
  ['bridged', 'receiving_fax'],
  ['receiving_fax', 'completed'],
  ['receiving_fax', 'cancelled'],
  ['bridged', 'conference'],
  ['conference', 'completed'],
  ['conference', 'cancelled'],
];

function expectedPairs(): Array<[RequestState, RequestState, boolean]> {
  const rows = MATRIX.trim().split('\n').slice(1);
  const matrix = rows.flatMap((row) => {
    const [from, ...marks] = row.trim().split(/\s+/);
    if (from === undefined || !isRequestState(from) || marks.length !== COLUMNS.length) throw new Error(`bad matrix row: ${row}`);
    return COLUMNS.map((to, i): [RequestState, RequestState, boolean] => [from, to, marks[i] === 'x']);
  });
  const all = [...COLUMNS, ...FEATURE_STATES];
  const moved = (from: RequestState, to: RequestState): boolean => FEATURE_MOVES.some(([f, t]) => f === from && t === to);
  const featurePairs = all.flatMap((from) =>
    all.filter((to) => FEATURE_STATES.includes(from) || FEATURE_STATES.includes(to)).map((to): [RequestState, RequestState, boolean] => [from, to, moved(from, to)]),
  );
  return [...matrix, ...featurePairs];
}

describe('request state table', () => {
  it('the matrix covers every state exactly once, in both directions', () => {
    expect([...COLUMNS, ...FEATURE_STATES].sort()).toEqual([...REQUEST_STATES].sort());
    expect(expectedPairs()).toHaveLength(REQUEST_STATES.length ** 2);
  });

  it.each(expectedPairs())('%s -> %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
    expect(nextStatesOf(from).includes(to)).toBe(allowed);
    if (allowed) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      expect(() => assertTransition(from, to)).toThrow(IllegalTransition);
    }
  });

  it('IllegalTransition names both states', () => {
    let caught: unknown;
    try {
      assertTransition('completed', 'dialing_a');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IllegalTransition);
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({ name: 'IllegalTransition', machine: 'request', from: 'completed', to: 'dialing_a' });
    expect((caught as Error).message).toBe('illegal request transition completed -> dialing_a');
  });

  it('final states are exactly the ones with no way out', () => {
    for (const state of REQUEST_STATES) {
      expect(isFinalState(state)).toBe((FINAL_STATES as readonly string[]).includes(state));
      expect(nextStatesOf(state).length === 0).toBe(isFinalState(state));
    }
  });

  it('no state moves to itself (staying is not a transition)', () => {
    for (const state of REQUEST_STATES) expect(canTransition(state, state)).toBe(false);
  });

  it('starts where the store starts, and every state is reachable from there', () => {
    expect(INITIAL_STATE).toBe('queued');
    const seen = new Set<RequestState>(['queued']);
    const queue: RequestState[] = ['queued'];
    for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
      for (const next of nextStatesOf(state)) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    expect([...seen].sort()).toEqual([...REQUEST_STATES].sort());
  });

  it('every state can still end (no trap outside the final states)', () => {
    const canEnd = (state: RequestState, path: ReadonlySet<RequestState>): boolean =>
      isFinalState(state) || nextStatesOf(state).some((next) => !path.has(next) && canEnd(next, new Set([...path, next])));
    for (const state of REQUEST_STATES) expect(canEnd(state, new Set([state]))).toBe(true);
  });

  it('recognises stored state strings', () => {
    for (const state of REQUEST_STATES) expect(isRequestState(state)).toBe(true);
    for (const value of ['', 'QUEUED', 'dialing', 'toString', '__proto__', 'ringing']) expect(isRequestState(value)).toBe(false);
  });

  it('due and in-progress state lists are disjoint active states', () => {
    const due = new Set<RequestState>(DUE_REQUEST_STATES);
    for (const state of CALL_IN_PROGRESS_STATES) expect(due.has(state)).toBe(false);
    for (const state of [...DUE_REQUEST_STATES, ...CALL_IN_PROGRESS_STATES]) expect(isFinalState(state)).toBe(false);
    expect(DUE_REQUEST_STATES.length + CALL_IN_PROGRESS_STATES.length + FINAL_STATES.length).toBe(REQUEST_STATES.length);
  });

  it('exports the table for docs, keyed by every state', () => {
    expect(Object.keys(REQUEST_TRANSITIONS).sort()).toEqual([...REQUEST_STATES].sort());
  });
});
