import { TurnBudget } from '../../../lib/callback/engine/turn-budget';

/**
 * A loop of turns played by hand: `defer` queues callbacks for the next check phase, and
 * `turn()` runs that phase, letting each callback's microtasks run before the next callback, as
 * Node does; `work` is what each task let through costs on the clock.
 */
function loop(options: { budgetMs: number | (() => number); perTurn: number; checks?: number }) {
  let now = 0;
  let clockReads = 0;
  let phase: Array<() => void> = [];
  const { budgetMs } = options;
  const budget = new TurnBudget({ checks: 32, ...options, budgetMs: typeof budgetMs === 'number' ? () => budgetMs : budgetMs, now: () => {
      clockReads += 1;
      return now;
    },
    defer: (callback) => phase.push(callback),
  });
  const started: Array<{ task: number; turn: number; callback: number }> = [];
  let turnNumber = 0;
  let callbackNumber = 0;
  const task = (id: number, costMs: number): void =>
    void budget.slot().then(() => {
      started.push({ task: id, turn: turnNumber, callback: callbackNumber });
      now += costMs;
    });
  const turn = async (): Promise<void> => {
    turnNumber += 1;
    const running = phase;
    phase = [];
    for (const [index, callback] of running.entries()) {
      callbackNumber = index + 1;
      callback();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  return { budget, task, turn, started, queuedCallbacks: () => phase.length, clockReads: () => clockReads };
}

describe('TurnBudget', () => {
  it('lets tasks through in one turn until the budget is spent, and the rest in the next turns, in order', async () => {
    const { budget, task, turn, started } = loop({ budgetMs: 10, perTurn: 32 });
    for (let id = 1; id <= 7; id += 1) task(id, 4);
    await turn();
    expect(started.map(({ task, turn }) => ({ task, turn }))).toEqual([
      { task: 1, turn: 1 },
      { task: 2, turn: 1 },
      { task: 3, turn: 1 },
    ]);
    expect(budget.queued).toBe(4);
    await turn();
    await turn();
    expect(started.map((s) => s.turn)).toEqual([1, 1, 1, 2, 2, 2, 3]);
    expect(started.map((s) => s.task)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(budget.queued).toBe(0);
  });

  it('lets as many through at once as the measured cost says fit, so that they run (and write) in one tick', async () => {
    const { task, turn, started } = loop({ budgetMs: 10, perTurn: 32 });
    for (let id = 1; id <= 12; id += 1) task(id, 2);
    await turn();
    // Nothing measured yet: one task alone, then the 8 ms left hold four at 2 ms each.
    expect(started.map((s) => s.callback)).toEqual([1, 2, 2, 2, 2]);
    await turn();
    expect(started.filter((s) => s.turn === 2).map((s) => s.callback)).toEqual([1, 1, 1, 1, 1]);
    await turn();
    expect(started.map((s) => s.task)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('follows a change in what tasks cost within a few turns', async () => {
    const { task, turn, started } = loop({ budgetMs: 10, perTurn: 32 });
    for (let id = 1; id <= 30; id += 1) task(id, id <= 6 ? 1 : 5);
    await turn();
    // Measured at 1 ms, ten of the 5 ms tasks go at once and overrun this turn's budget once.
    expect(started.filter((s) => s.turn === 1)).toHaveLength(10);
    const perTurn = [];
    for (let turnNumber = 2; turnNumber <= 5; turnNumber += 1) {
      await turn();
      perTurn.push(started.filter((s) => s.turn === turnNumber).length);
    }
    expect(perTurn).toEqual([5, 2, 2, 2]);
  });

  it('always lets the first task of a turn through, however much it costs', async () => {
    const { task, turn, started } = loop({ budgetMs: 10, perTurn: 32 });
    task(1, 50);
    task(2, 50);
    await turn();
    await turn();
    expect(started.map(({ task, turn }) => ({ task, turn }))).toEqual([
      { task: 1, turn: 1 },
      { task: 2, turn: 2 },
    ]);
  });

  it('lets at most perTurn tasks through in a turn, cheap as they are', async () => {
    const { task, turn, started } = loop({ budgetMs: 10, perTurn: 2 });
    for (let id = 1; id <= 3; id += 1) task(id, 0);
    await turn();
    expect(started.map((s) => s.task)).toEqual([1, 2]);
    await turn();
    expect(started.map((s) => s.task)).toEqual([1, 2, 3]);
  });

  it('lets one batch through per check, and none after the last check of the turn, budget left or not', async () => {
    const { task, turn, started } = loop({ budgetMs: 10, perTurn: 32, checks: 2 });
    task(1, 5);
    for (let id = 2; id <= 5; id += 1) task(id, 1);
    await turn();
    // Task 1 measured 5 ms: one more fits the 5 left; it costs 1, but no check is left to see it.
    expect(started.map(({ task, callback }) => ({ task, callback }))).toEqual([
      { task: 1, callback: 1 },
      { task: 2, callback: 2 },
    ]);
  });

  it('queues no callbacks once nothing waits, and starts again for a task that comes later', async () => {
    const { task, turn, started, queuedCallbacks } = loop({ budgetMs: 10, perTurn: 4, checks: 4 });
    task(1, 1);
    await turn();
    expect(queuedCallbacks()).toBe(0);
    task(2, 1);
    expect(queuedCallbacks()).toBe(4);
    await turn();
    expect(started.map((s) => s.task)).toEqual([1, 2]);
  });

  it('lets work that finishes a call through before new work that waits', async () => {
    const { budget, turn, started } = loop({ budgetMs: 2, perTurn: 32 });
    const record = (id: number, kind: 'new' | 'finishing'): void => void budget.slot(kind).then(() => void started.push({ task: id, turn: 0, callback: 0 }));
    record(1, 'new');
    record(2, 'new');
    record(3, 'finishing');
    record(4, 'new');
    record(5, 'finishing');
    await turn();
    expect(started.map((s) => s.task)).toEqual([3, 5, 1, 2, 4]);
  });

  it('reads the clock only while a batch is to be measured or may go', async () => {
    const { task, turn, clockReads } = loop({ budgetMs: 10, perTurn: 32, checks: 8 });
    for (let id = 1; id <= 4; id += 1) task(id, 6);
    await turn();
    // Task 1 goes, task 2 fits the 4 ms left; measuring it finds the budget spent: three reads, not eight.
    expect(clockReads()).toBe(3);
    await turn();
    await turn();
    const reads = clockReads();
    task(5, 1);
    await turn();
    // One to let it through, one to measure it; the six checks after it find nothing waiting.
    expect(clockReads() - reads).toBe(2);
  });

  it('asks for the budget at the start of each turn', async () => {
    let budgetMs = 10;
    const { task, turn, started } = loop({ budgetMs: () => budgetMs, perTurn: 32 });
    for (let id = 1; id <= 12; id += 1) task(id, 1);
    await turn();
    expect(started).toHaveLength(10);
    budgetMs = 0;
    await turn();
    // A turn's first task goes whatever the budget.
    expect(started).toHaveLength(11);
    budgetMs = 4;
    await turn();
    expect(started).toHaveLength(12);
  });

  it('refuses counts that would let nothing through', () => {
    const options = { budgetMs: () => 5, now: () => 0, defer: () => undefined };
    expect(() => new TurnBudget({ ...options, perTurn: 0, checks: 1 })).toThrow('positive integer perTurn');
    expect(() => new TurnBudget({ ...options, perTurn: 1, checks: 1.5 })).toThrow('positive integer checks');
  });
});
