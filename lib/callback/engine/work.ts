/**
 * Counts the engine's database and call-control work in flight, so that `idle()` can wait for a
 * request to be fully settled and tests can tell "the engine is busy" from "it waits for the
 * switch". Waiting for FreeSWITCH (a phone ringing) is not work.
 */
export class WorkTracker {
  private running = 0;
  private external = 0;
  private tracked = 0;
  private waiters: Array<() => void> = [];
  private seq = 0;

  /** Changes whenever work starts or ends. */
  get activity(): number {
    return this.seq;
  }

  /** Work in flight that is not waiting for the switch (a prompt playing, a hangup confirming). */
  get busy(): number {
    return Math.max(0, this.running - this.external);
  }

  /** Awaits the switch from inside work: for that time the work is not busy, just waiting. */
  async waitFor<T>(promise: Promise<T>): Promise<T> {
    this.external += 1;
    this.seq += 1;
    try {
      return await promise;
    } finally {
      this.external -= 1;
      this.seq += 1;
    }
  }

  /** Runs `work` as busy time. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    this.seq += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.seq += 1;
      if (this.running === 0 && this.tracked === 0) this.wake();
    }
  }

  /** Keeps a background task (a settlement, a leg being followed) until it ends; never rejects. */
  track(task: Promise<unknown>): void {
    this.tracked += 1;
    this.seq += 1;
    // Counted, and ended by one function shared by every task: a held call has a few tasks (its
    // legs followed until they hang up), and a promise and closures of each one's own would be
    // held as long as the call.
    void task.then(this.untrack, this.untrack);
  }

  get pendingTasks(): number {
    return this.tracked;
  }

  /** Resolves when nothing runs and no tracked task is left. */
  idle(): Promise<void> {
    if (this.running === 0 && this.tracked === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private readonly untrack = (): void => {
    this.tracked -= 1;
    this.seq += 1;
    if (this.running === 0 && this.tracked === 0) this.wake();
  };

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Runs work one at a time per key, inside this process: an account's holds (`account:<id>`, so
 * concurrent requests do not race for the same balance) and its requests' A5 check and dial
 * (`admit:<id>`). Across instances the database's own row locks and conditional updates decide.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(work, work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
