/**
 * Spreads new work over event-loop turns so that no turn is spent on it alone.
 *
 * On SQLite every query is synchronous, so an order runs from its first write to its originate in
 * one chain of microtasks: a few hundred orders that came at once (a burst, or a caller catching
 * up after a long turn) made one turn of seconds. Meanwhile nothing else ran: Node accepts one
 * connection per turn, so answered legs' sockets waited in the kernel's queue (FreeSWITCH drops
 * one not spoken to within 25 s), and replies and events waited too. Each turn now starts at most
 * `budgetMs` worth of new work; the rest waits for the next turns, behind the calls in progress.
 *
 * How: `perTurn` callbacks are queued with setImmediate at once, so they all run in one check
 * phase and Node runs the microtasks a released task queues between two of them. Each callback
 * lets one task through unless the budget of this turn is spent; the last one queues the next
 * turn's if tasks still wait.
 */
export interface TurnBudgetOptions {
  /** Time new work may take in one turn, from the first task this turn let through. */
  budgetMs: number;
  /** At most this many tasks start in one turn. */
  perTurn: number;
  now: () => number;
  /** Runs `callback` in the check phase of the current turn, or of the next one when that phase has begun (setImmediate). */
  defer: (callback: () => void) => void;
}

export class TurnBudget {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;
  private turnStartedAt: number | undefined;

  constructor(private readonly options: TurnBudgetOptions) {}

  /** Tasks waiting for a turn with budget left. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves in a turn whose budget for new work is not spent yet. */
  slot(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.turnStartedAt = undefined;
    for (let i = 1; i <= this.options.perTurn; i += 1) {
      const last = i === this.options.perTurn;
      this.options.defer(() => this.letOneThrough(last));
    }
  }

  private letOneThrough(last: boolean): void {
    const now = this.options.now();
    this.turnStartedAt ??= now;
    if (now - this.turnStartedAt < this.options.budgetMs) this.waiting.shift()?.();
    if (!last) return;
    this.scheduled = false;
    if (this.waiting.length > 0) this.schedule();
  }
}
