import { SocketWindow } from '../../../lib/callback/engine/socket-window';

/** Resolves every pending microtask chain of the window's promises. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let now = 0;
const windowOf = (limit: number): SocketWindow => new SocketWindow({ limit, maxLateMs: 2_000, now: () => now });

beforeEach(() => {
  now = 0;
});

/** `count` originates asking for room; each one's launch ends when the test calls `launched[i]`. */
function ask(window: SocketWindow, count: number): { admitted: boolean[]; launched: Array<() => void> } {
  const admitted = Array.from({ length: count }, () => false);
  const launched: Array<() => void> = [];
  admitted.forEach(
    (_, i) =>
      void window.room().then((over) => {
        admitted[i] = true;
        launched[i] = over;
      }),
  );
  return { admitted, launched };
}

describe('SocketWindow', () => {
  it('admits at once while fewer legs than the limit are late or launching', async () => {
    const window = windowOf(2);
    const late = window.lateLeg();
    const { admitted } = ask(window, 1);
    await settle();
    expect(admitted).toEqual([true]);
    late();
    expect(window.late).toBe(0);
  });

  it('counts an originate from its room until its launch is over: FreeSWITCH took it, or it failed', async () => {
    const window = windowOf(2);
    const first = ask(window, 2);
    const second = ask(window, 1);
    await settle();
    expect(first.admitted).toEqual([true, true]);
    expect(second.admitted).toEqual([false]);
    first.launched[0]!();
    first.launched[0]!();
    await settle();
    expect(second.admitted).toEqual([true]);
    expect(window.queued).toBe(0);
  });

  it('queues originates while the window is full and lets them through in order as places free up', async () => {
    const window = windowOf(2);
    const late = [window.lateLeg(), window.lateLeg()];
    const { admitted, launched } = ask(window, 3);
    await settle();
    expect(admitted).toEqual([false, false, false]);
    expect(window.queued).toBe(3);
    late[0]!();
    late[0]!();
    await settle();
    expect(admitted).toEqual([true, false, false]);
    late[1]!();
    await settle();
    expect(admitted).toEqual([true, true, false]);
    launched[0]!();
    await settle();
    expect(admitted).toEqual([true, true, true]);
  });

  it('lets a newcomer queue behind those already waiting', async () => {
    const window = windowOf(1);
    const late = window.lateLeg();
    const waiting = ask(window, 1);
    late();
    const newcomer = ask(window, 1);
    await settle();
    expect(waiting.admitted).toEqual([true]);
    expect(newcomer.admitted).toEqual([false]);
    waiting.launched[0]!();
    await settle();
    expect(newcomer.admitted).toEqual([true]);
  });

  it('closes while the oldest late leg has been late for maxLateMs, whatever the count, and opens once it is gone', async () => {
    const window = windowOf(100);
    const oldest = window.lateLeg();
    now = 1_500;
    const younger = window.lateLeg();
    now = 2_000;
    const first = ask(window, 2);
    await settle();
    expect(first.admitted).toEqual([false, false]);
    oldest();
    await settle();
    expect(first.admitted).toEqual([true, true]);
    now = 3_500;
    const later = ask(window, 1);
    await settle();
    expect(later.admitted).toEqual([false]);
    younger();
    await settle();
    expect(later.admitted).toEqual([true]);
  });

  it('refuses a limit that is not a positive integer, or a maxLateMs that is not positive', () => {
    expect(() => windowOf(0)).toThrow('socket window: expected a positive integer limit, got 0');
    expect(() => windowOf(1.5)).toThrow(RangeError);
    expect(() => new SocketWindow({ limit: 1, maxLateMs: 0, now: () => 0 })).toThrow('socket window: expected a positive maxLateMs, got 0');
  });
});
