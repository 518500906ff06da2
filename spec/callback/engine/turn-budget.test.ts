import { TurnBudget } from '../../../lib/callback/engine/turn-budget';

/**
 * A loop of turns played by hand: `defer` queues callbacks for the next check phase, and
 * `turn()` runs that phase, letting each callback's microtasks run before the next callback, as
 * Node does; `work` is what each task let through costs on the clock.
 */
function loop(options: { budgetMs: number; perTurn: number }) {
  let now = 0;
  let phase: Array<() => void> = [];
  const budget = new TurnBudget({ ...options, now: () => now, defer: (callback) => phase.push(callback) });
  const started: Array<{ task: number; turn: number }> = [];
  let turnNumber = 0;
  const task = (id: number, costMs: number): void =>
    void budget.slot().then(() => {
      started.push({ task: id, turn: turnNumber });
      now += costMs;
    });
  const turn = async (): Promise<void> => {
    turnNumber += 1;
    const running = phase;
    phase = [];
    for (const callback of running) {
      callback();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  return { budget, task, turn, started, queuedCallbacks: () => phase.length };
}

describe('TurnBudget', () => {
  it('lets tasks through in one turn until the budget is spent, and the rest in the next turns, in order', async () => {
    const { budget, task, turn, started } = loop({ budgetMs: 10, perTurn: 32 });
    for (let id = 1; id <= 7; id += 1) task(id, 4);
    await turn();
    expect(started).toEqual([
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

  it('always lets the first task of a turn through, however much it costs', async () => {
    const { task, turn, started } = loop({ budgetMs: 10, perTurn: 32 });
    task(1, 50);
    task(2, 50);
    await turn();
    await turn();
    expect(started).toEqual([
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

  it('queues no callbacks once nothing waits, and starts again for a task that comes later', async () => {
    const { task, turn, started, queuedCallbacks } = loop({ budgetMs: 10, perTurn: 4 });
    task(1, 1);
    await turn();
    expect(queuedCallbacks()).toBe(0);
    task(2, 1);
    expect(queuedCallbacks()).toBe(4);
    await turn();
    expect(started.map((s) => s.task)).toEqual([1, 2]);
  });
});
