import { SocketWindow } from '../../../lib/callback/engine/socket-window';

/** Resolves every pending microtask chain of the window's promises. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function admittedOf(window: SocketWindow, count: number): boolean[] {
  const admitted = Array.from({ length: count }, () => false);
  admitted.forEach((_, i) => void window.room().then(() => (admitted[i] = true)));
  return admitted;
}

describe('SocketWindow', () => {
  it('admits at once while fewer legs than the limit are late', async () => {
    const window = new SocketWindow(2);
    const late = window.lateLeg();
    expect(await Promise.race([window.room().then(() => 'room'), settle().then(() => 'waiting')])).toBe('room');
    late();
    expect(window.late).toBe(0);
  });

  it('queues originates once the limit is reached and lets as many through as places are free at each change, in order', async () => {
    const window = new SocketWindow(2);
    const late = [window.lateLeg(), window.lateLeg()];
    const admitted = admittedOf(window, 3);
    await settle();
    expect(admitted).toEqual([false, false, false]);
    expect(window.queued).toBe(3);
    late[0]!();
    late[0]!();
    await settle();
    expect(admitted).toEqual([true, false, false]);
    late[1]!();
    await settle();
    expect(admitted).toEqual([true, true, true]);
  });

  it('lets a newcomer queue behind those already waiting, even when there is room', async () => {
    const window = new SocketWindow(1);
    const late = window.lateLeg();
    const waiting = admittedOf(window, 2);
    late();
    await settle();
    expect(waiting).toEqual([true, false]);
    const newcomer = admittedOf(window, 1);
    await settle();
    expect(newcomer).toEqual([false]);
    window.settled();
    await settle();
    expect(waiting).toEqual([true, true]);
    expect(newcomer).toEqual([false]);
    window.settled();
    await settle();
    expect(newcomer).toEqual([true]);
  });

  it('gives the room an admitted originate left to waiters when it settles', async () => {
    const window = new SocketWindow(1);
    const late = window.lateLeg();
    const admitted = admittedOf(window, 2);
    late();
    await settle();
    expect(admitted).toEqual([true, false]);
    window.settled();
    await settle();
    expect(admitted).toEqual([true, true]);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new SocketWindow(0)).toThrow('socket window: expected a positive integer, got 0');
    expect(() => new SocketWindow(1.5)).toThrow(RangeError);
  });
});
