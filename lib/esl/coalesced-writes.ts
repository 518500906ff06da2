/**
 * The frames written to one socket in one tick, joined into one write. Each write is a system call
 * (one per command was ~8 % of the controller's busy time, and the simulator wrote one per event),
 * while commands and events come in bursts: a read of many events is answered with many commands,
 * an originate fires several events at once. Frames keep their order, and by default none waits
 * past the current tick: what is pending is written once the microtasks of the tick have run
 * (process.nextTick; the first microtask would come too soon, before the promise chains of the
 * same burst wrote theirs). `'loop-turn'` waits for the end of the event loop's turn
 * (setImmediate) instead, gathering what every timer and every read of that turn wrote: for the
 * simulator, whose events come from thousands of timers (one write per turn cut its writes by
 * more than half, one per tick by 5 %).
 */
export class CoalescedWrites {
  private pending: Buffer[] = [];
  private scheduled = false;
  private readonly schedule: (flush: () => void) => void;

  constructor(
    private readonly write: (data: Buffer) => void,
    until: 'tick' | 'loop-turn' = 'tick',
  ) {
    this.schedule = until === 'tick' ? (flush) => process.nextTick(flush) : (flush) => void setImmediate(flush);
  }

  push(frame: Buffer): void {
    this.pending.push(frame);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Writes what is pending now: before the socket is ended, so that nothing is overtaken or lost. */
  flush(): void {
    if (this.pending.length === 0) return;
    const frames = this.pending;
    this.pending = [];
    this.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
  }

  /** Forgets what is pending: the socket is gone, or its commands failed already. */
  discard(): void {
    this.pending = [];
  }
}
