import { BatchedCalls } from '../../lib/scheduler/batched-calls';

describe('BatchedCalls', () => {
  function gate(): { promise: Promise<void>; open: () => void } {
    let open = (): void => undefined;
    const promise = new Promise<void>((resolve) => (open = resolve));
    return { promise, open };
  }

  it('runs the first call at once, what arrives meanwhile in the next batch (at most maxBatch), and answers each call with its own result', async () => {
    const batches: number[][] = [];
    const gates: { open: () => void }[] = [];
    const calls = new BatchedCalls<number, string>(async (batch) => {
      batches.push([...batch]);
      const next = gate();
      gates.push(next);
      await next.promise;
      return batch.map((n) => `#${n}`);
    }, 2);
    const answers = [1, 2, 3, 4].map((n) => calls.call(n));
    expect(batches).toEqual([[1]]);
    gates[0]?.open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1], [2, 3]]);
    gates[1]?.open();
    await new Promise((resolve) => setImmediate(resolve));
    gates[2]?.open();
    expect(await Promise.all(answers)).toEqual(['#1', '#2', '#3', '#4']);
    expect(batches).toEqual([[1], [2, 3], [4]]);
    await calls.drain();
  });

  it('rejects every call of a failed batch, or of one answered with the wrong number of results, and runs the next', async () => {
    let round = 0;
    const calls = new BatchedCalls<number, number>((batch) => {
      round += 1;
      if (round === 1) return Promise.reject(new Error('database gone'));
      if (round === 2) return Promise.resolve([]);
      return Promise.resolve(batch.map((n) => n * 10));
    });
    const first = calls.call(1);
    const second = [calls.call(2), calls.call(3)];
    await expect(first).rejects.toThrow('database gone');
    await expect(Promise.all(second)).rejects.toThrow('a batch of 2 got 0 results');
    expect(await calls.call(4)).toBe(40);
  });
});
