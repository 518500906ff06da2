import type { Clock, TimerHandle } from '../../time/clock';

/**
 * A value that arrives once (an answer, a hangup) and may be awaited before or after it did.
 * Unlike a bare promise it can be read synchronously, which the flows need to tell "B already
 * answered" from "B still ringing" without awaiting.
 */
export class Latch<T> {
  readonly promise: Promise<T>;
  private settled = false;
  private current: T | undefined;
  private release!: (value: T) => void;

  constructor() {
    this.promise = new Promise<T>((resolve) => (this.release = resolve));
  }

  get done(): boolean {
    return this.settled;
  }

  get value(): T | undefined {
    return this.current;
  }

  /** The first value wins; later ones are ignored (events are often delivered twice, §9). */
  resolve(value: T): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.current = value;
    this.release(value);
    return true;
  }
}

/** The promise's value if it settles within `ms` on the clock, else undefined. */
export function within<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = clock.setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => timer?.cancel());
}
