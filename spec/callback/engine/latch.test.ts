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

  it('calls back with the first value from a microtask, after the resolver returned, in the order the callbacks were given', async () => {
    const latch = new Latch<number>();
    const order: string[] = [];
    latch.whenDone((value) => order.push(`first ${value}`));
    latch.whenDone((value) => order.push(`second ${value}`));
    latch.whenDone((value) => order.push(`third ${value}`));
    latch.resolve(4);
    latch.resolve(5);
    expect(order).toEqual([]);
    await Promise.resolve();
    expect(order).toEqual(['first 4', 'second 4', 'third 4']);
  });

  it('calls back a callback given after the value came, from a microtask too', async () => {
    const latch = new Latch<string>();
    latch.resolve('hung up');
    const seen: string[] = [];
    latch.whenDone((value) => seen.push(value));
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual(['hung up']);
  });

  it('settles its promise before calling back, as a then given first would', async () => {
    const latch = new Latch<number>();
    const order: string[] = [];
    latch.whenDone(() => order.push('callback'));
    void latch.promise.then(() => order.push('then'));
    latch.resolve(1);
    await latch.promise;
    await Promise.resolve();
    expect(order).toEqual(['then', 'callback']);
  });

  it('reads undefined as a value that came, not as none yet', () => {
    const latch = new Latch<undefined>();
    expect(latch.done).toBe(false);
    expect(latch.resolve(undefined)).toBe(true);
    expect(latch.done).toBe(true);
    expect(latch.resolve(undefined)).toBe(false);
  });
});
