/**
 * The one piece both state machines (request and leg) share: an explicit table of allowed moves,
 * and an error that names the move that broke it. The tables are data so that docs and tests read
 * the same source the code enforces.
 */
export type TransitionTable<S extends string> = { readonly [From in S]: readonly S[] };

export type MachineName = 'request' | 'leg';

export class IllegalTransition<S extends string = string> extends Error {
  constructor(
    readonly machine: MachineName,
    readonly from: S,
    readonly to: S,
  ) {
    super(`illegal ${machine} transition ${from} -> ${to}`);
    this.name = 'IllegalTransition';
  }
}

export interface StateMachine<S extends string> {
  readonly name: MachineName;
  readonly states: readonly S[];
  readonly table: TransitionTable<S>;
  isState(value: string): value is S;
  /** A state with no way out. */
  isFinal(state: S): boolean;
  canTransition(from: S, to: S): boolean;
  /** Throws IllegalTransition unless the table allows from -> to. */
  assertTransition(from: S, to: S): void;
  nextStatesOf(from: S): readonly S[];
}

export function stateMachine<S extends string>(name: MachineName, table: TransitionTable<S>): StateMachine<S> {
  const states = Object.keys(table) as S[];
  const known = new Set<string>(states);
  const canTransition = (from: S, to: S): boolean => table[from].includes(to);
  return {
    name,
    states,
    table,
    isState: (value: string): value is S => known.has(value),
    isFinal: (state) => table[state].length === 0,
    canTransition,
    assertTransition(from, to) {
      if (!canTransition(from, to)) throw new IllegalTransition<S>(name, from, to);
    },
    nextStatesOf: (from) => table[from],
  };
}
