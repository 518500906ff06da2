import { WriteBatcher } from '../../lib/scheduler/write-batcher';

describe('WriteBatcher', () => {
  function gate(): { promise: Promise<void>; open: () => void } {
    let open = (): void => undefined;
    const promise = new Promise<void>((resolve) => (open = resolve));
    return { promise, open };
  }

  it('writes the first item at once and what arrives meanwhile in one next batch, one batch in flight at a time', async () => {
    const batches: number[][] = [];
    const gates: { open: () => void }[] = [];
    const batcher = new WriteBatcher<number>(
      (batch) => {
        batches.push([...batch]);
        const next = gate();
        gates.push(next);
        return next.promise;
      },
      () => undefined,
    );
    batcher.add(1);
    batcher.add(2);
    batcher.add(3);
    expect(batches).toEqual([[1]]);
    gates[0]?.open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1], [2, 3]]);
    batcher.add(4);
    gates[1]?.open();
    await new Promise((resolve) => setImmediate(resolve));
    gates[2]?.open();
    await batcher.drain();
    expect(batches).toEqual([[1], [2, 3], [4]]);
    await batcher.drain();
  });

  it('reports a failed batch and goes on with the next', async () => {
    const failed: number[] = [];
    let calls = 0;
    const batcher = new WriteBatcher<string>(
      () => (++calls === 1 ? Promise.reject(new Error('redis away')) : Promise.resolve()),
      (_error, items) => failed.push(items),
    );
    batcher.add('a');
    batcher.add('b');
    await batcher.drain();
    batcher.add('c');
    await batcher.drain();
    expect(failed).toEqual([1]);
    expect(calls).toBe(3);
  });
});
