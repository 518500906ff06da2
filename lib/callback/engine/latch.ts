import type { Clock, TimerHandle } from '../../time/clock';

/**
 * A value that arrives once (an answer, a hangup) and may be awaited before or after it did.
 * Unlike a bare promise it can be read synchronously, which the flows need to tell "B already
 * answered" from "B still ringing" without awaiting. The promise is made when first asked for:
 * a leg has five latches and most are only ever read synchronously, and an unawaited promise
 * with its resolver costs ~0.2 KB of heap, per latch, for as long as the call is held.
 */
export class Latch<T> {
  private settled = false;
  private current: T | undefined;
  private made: Promise<T> | undefined;
  private release: ((value: T) => void) | undefined;

  get promise(): Promise<T> {
    if (!this.made) {
      if (this.settled) this.made = Promise.resolve(this.current as T);
      else this.made = new Promise<T>((resolve) => (this.release = resolve));
    }
    return this.made;
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
    this.release?.(value);
    this.release = undefined;
    return true;
  }
}

/** The promise's value if it settles within `ms` on the clock, else undefined. */
export function within<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = clock.setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => timer?.cancel());
}
