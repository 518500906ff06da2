import { Latch } from '../../../lib/callback/engine/latch';

describe('Latch', () => {
  it('gives the first value to a promise asked for before it came, and reads it synchronously', async () => {
    const latch = new Latch<number>();
    const waiting = latch.promise;
    expect(latch.done).toBe(false);
    expect(latch.resolve(1)).toBe(true);
    expect(latch.resolve(2)).toBe(false);
    expect(latch.done).toBe(true);
    expect(latch.value).toBe(1);
    await expect(waiting).resolves.toBe(1);
    expect(latch.promise).toBe(waiting);
  });

  it('gives the first value to a promise first asked for after it came, the same promise each time', async () => {
    const latch = new Latch<string>();
    latch.resolve('answered');
    latch.resolve('later');
    const promise = latch.promise;
    expect(latch.promise).toBe(promise);
    await expect(promise).resolves.toBe('answered');
  });

  it('settles a promise asked for before and one asked for after in the order they were asked', async () => {
    const latch = new Latch<number>();
    const order: string[] = [];
    void latch.promise.then(() => order.push('before'));
    latch.resolve(7);
    void latch.promise.then(() => order.push('after'));
    await latch.promise;
    expect(order).toEqual(['before', 'after']);
  });
});
