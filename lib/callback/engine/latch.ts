import type { Clock, TimerHandle } from '../../time/clock';

type Reaction<T> = (value: T) => void;

/** Not yet resolved: distinct from every value, `undefined` included. */
const UNSET: unique symbol = Symbol('unset');

/**
 * A value that arrives once (an answer, a hangup) and may be awaited before or after it did.
 * Unlike a bare promise it can be read synchronously, which the flows need to tell "B already
 * answered" from "B still ringing" without awaiting.
 *
 * What follows a signal for the call's whole life (a leg's hangup, its ringing) registers a plain
 * callback with `whenDone`, not `promise.then`: a held call's leg has three or four of those, and
 * each `then` kept a promise with its two resolving functions and their context, a reaction and a
 * derived promise (~0.4 KB with the engine's task tracking) until the leg hung up. The promise is
 * made only when something awaits the latch.
 */
export class Latch<T> {
  private current: T | typeof UNSET = UNSET;
  private made: Promise<T> | undefined;
  private release: Reaction<T> | undefined;
  /** The callbacks: one function, or several in the order given. */
  private waiting: Reaction<T> | Reaction<T>[] | undefined;

  get promise(): Promise<T> {
    if (!this.made) {
      if (this.current !== UNSET) this.made = Promise.resolve(this.current);
      else this.made = new Promise<T>((resolve) => (this.release = resolve));
    }
    return this.made;
  }

  get done(): boolean {
    return this.current !== UNSET;
  }

  get value(): T | undefined {
    return this.current === UNSET ? undefined : this.current;
  }

  /**
   * Calls `reaction` with the value once it is here, from a microtask as `then` would (so never
   * inside `resolve`'s caller), in the order the reactions were given. A reaction must not throw:
   * like a throw in an unawaited `then`, it becomes an unhandled rejection. Work that can fail is
   * the reaction's to detach and report.
   */
  whenDone(reaction: Reaction<T>): void {
    const value = this.current;
    if (value !== UNSET) queueMicrotask(() => react(reaction, value));
    else if (this.waiting === undefined) this.waiting = reaction;
    else if (typeof this.waiting === 'function') this.waiting = [this.waiting, reaction];
    else this.waiting.push(reaction);
  }

  /** The first value wins; later ones are ignored (events are often delivered twice, §9). */
  resolve(value: T): boolean {
    if (this.current !== UNSET) return false;
    this.current = value;
    this.release?.(value);
    this.release = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (typeof waiting === 'function') queueMicrotask(() => react(waiting, value));
    else if (waiting) queueMicrotask(() => waiting.forEach((reaction) => react(reaction, value)));
    return true;
  }
}

function react<T>(reaction: Reaction<T>, value: T): void {
  try {
    reaction(value);
  } catch (error) {
    void Promise.reject(error);
  }
}

/** The promise's value if it settles within `ms` on the clock, else undefined. */
export function within<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = clock.setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => timer?.cancel());
}
