/**
 * Spreads new work over event-loop turns so that no turn is spent on it alone.
 *
 * On SQLite every query is synchronous, so an order runs from its first write to its originate in
 * one chain of microtasks: a few hundred orders that came at once (a burst, a caller catching up
 * after a long turn, a batch of scheduled dials) made one turn of seconds. Meanwhile nothing else
 * ran: Node accepts one connection per turn, so answered legs' sockets waited in the kernel's
 * queue (FreeSWITCH drops one not spoken to within 25 s), and replies and events waited too. Each
 * turn now starts at most `budgetMs` worth of new work; the rest waits for the next turns, behind
 * the calls in progress.
 *
 * How: `checks` callbacks are queued with setImmediate at once, so they all run in one check
 * phase and Node runs the microtasks released tasks queue between two of them, which tells what
 * the tasks cost. Each callback lets a batch through: as many tasks as the measured cost per task
 * says fit in what is left of the turn's budget (one when nothing is measured yet). Tasks let
 * through together run in the same tick, so the commands they send are written together (the ESL
 * connection joins one tick's frames into one write): letting them through one per callback made
 * a write per order (twice the writes of an unbudgeted run; the write was ~10 % of busy time
 * instead of ~3 %). The last callback queues the next turn's if tasks still wait.
 */
export interface TurnBudgetOptions {
  /** Time new work may take in one turn, on `now`'s clock, from the first batch let through; asked at each turn's first batch. */
  budgetMs: () => number;
  /** At most this many tasks start in one turn, however cheap. */
  perTurn: number;
  /** Batches let through in one turn at most: a task's cost is measured between two of them. */
  checks: number;
  /** Milliseconds on the clock the budget is counted in (the engine's: this process's CPU time). */
  now: () => number;
  /** Runs `callback` in the check phase of the current turn, or of the next one when that phase has begun (setImmediate). */
  defer: (callback: () => void) => void;
}

/**
 * `finishing`: work that ends a call in progress (a settlement: its CDR, money and hold), which
 * frees what new calls are admitted against; `new`: an order or a dial.
 */
export type TaskKind = 'finishing' | 'new';

const letThrough: unique symbol = Symbol('let through within a turn budget');

/**
 * What `slot` resolves with: that a task was let through within a turn's budget. Work that goes on
 * as part of the same task is handed it rather than taking a second one (an order and its dial,
 * order-hand-offs.ts); only a TurnBudget makes one.
 */
export interface TurnSlot {
  readonly [letThrough]: true;
}

/** Every slot alike: what it says is only that it was given. */
const SLOT: TurnSlot = Object.freeze({ [letThrough]: true as const });

/** The weight of the newest batch in the running cost per task: a change in load shows within a turn or two. */
const NEWEST_BATCH_WEIGHT = 0.5;

export class TurnBudget {
  /** Tasks waiting, by kind: work that finishes a call goes before new work. */
  private readonly waiting: Record<TaskKind, Array<(slot: TurnSlot) => void>> = { finishing: [], new: [] };
  private scheduled = false;
  private turn: { startedAt: number; budgetMs: number; started: number; spent: boolean } | undefined;
  private lastBatch: { at: number; size: number } | undefined;
  /** What a task let through costs until it waits for I/O, in `now`'s milliseconds; undefined until measured. */
  private costMs: number | undefined;

  constructor(private readonly options: TurnBudgetOptions) {
    const { perTurn, checks } = options;
    for (const [name, value] of [
      ['perTurn', perTurn],
      ['checks', checks],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`turn budget: expected a positive integer ${name}, got ${value}`);
    }
  }

  /** Tasks waiting for a turn with budget left. */
  get queued(): number {
    return this.waiting.finishing.length + this.waiting.new.length;
  }

  /** Resolves in a turn whose budget is not spent yet; `finishing` work goes before any `new` work still waiting. */
  slot(kind: TaskKind = 'new'): Promise<TurnSlot> {
    return new Promise<TurnSlot>((resolve) => {
      this.waiting[kind].push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.turn = undefined;
    this.lastBatch = undefined;
    for (let i = 1; i <= this.options.checks; i += 1) {
      const last = i === this.options.checks;
      this.options.defer(() => this.check(last));
    }
  }

  private check(last: boolean): void {
    // The clock is a system call: asked only when a batch ran or one may go.
    if (this.lastBatch || (this.queued > 0 && !this.turn?.spent)) {
      const now = this.options.now();
      this.measure(now);
      this.letBatchThrough(now);
    }
    if (!last) return;
    this.scheduled = false;
    if (this.queued > 0) this.schedule();
  }

  /** The batch let through by the previous callback has run its microtasks: its cost per task. */
  private measure(now: number): void {
    if (!this.lastBatch) return;
    const perTask = (now - this.lastBatch.at) / this.lastBatch.size;
    this.costMs = this.costMs === undefined ? perTask : this.costMs + NEWEST_BATCH_WEIGHT * (perTask - this.costMs);
    this.lastBatch = undefined;
  }

  private letBatchThrough(now: number): void {
    if (this.queued === 0) return;
    this.turn ??= { startedAt: now, budgetMs: this.options.budgetMs(), started: 0, spent: false };
    const left = this.turn.budgetMs - (now - this.turn.startedAt);
    // The turn's first task goes whatever the budget, so that nothing waits for ever.
    const size = left <= 0 && this.turn.started > 0 ? 0 : Math.min(this.fitting(left), this.options.perTurn - this.turn.started, this.queued);
    if (size <= 0) {
      this.turn.spent = true;
      return;
    }
    this.turn.started += size;
    this.lastBatch = { at: now, size };
    const finishing = this.waiting.finishing.splice(0, size);
    for (const resolve of [...finishing, ...this.waiting.new.splice(0, size - finishing.length)]) resolve(SLOT);
  }

  /** How many tasks `leftMs` of budget holds at the measured cost: one when nothing is measured yet, and always one while any is left. */
  private fitting(leftMs: number): number {
    if (this.costMs === undefined) return 1;
    if (this.costMs <= 0) return Infinity;
    return Math.max(1, Math.floor(leftMs / this.costMs));
  }
}
