/**
 * Backpressure on originates while the outbound socket server is not taking sockets in.
 *
 * A leg originated to `&socket(...)` connects back once it answers. Node accepts one connection
 * per event-loop turn, so on a controller whose turns are long (CPU-bound) answered legs' sockets
 * wait in the kernel's listen queue; past its length (4,096) the kernel drops them and FreeSWITCH
 * tries again seconds later. A leg is "late" from its originate's `+OK` until a socket names it
 * (or it ends). While `limit` legs are late, no new socket leg is originated: the dialer waits
 * until sockets come in, rather than queue more than the kernel holds.
 *
 * Ringing legs are not counted (a ring lasts up to the wait time, and ringing legs have no socket
 * yet), so a burst of originates admitted while few legs were late can take the count past the
 * limit by up to its own size; the count then closes the window until it falls back.
 */
/** A quarter of the outbound server's listen queue (4,096): a burst admitted just under the limit still fits. */
export const DEFAULT_MAX_LATE_SOCKETS = 1_024;

export class SocketWindow {
  private lateLegs = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`socket window: expected a positive integer, got ${limit}`);
  }

  /** Legs answered whose socket has not come yet. */
  get late(): number {
    return this.lateLegs;
  }

  /** Originates waiting for room. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when a socket leg may be originated: at once unless the window is full or others wait before. */
  room(): Promise<void> {
    if (this.waiting.length === 0 && this.lateLegs < this.limit) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /**
   * A leg answered and its socket is not here: counted until the returned function is called
   * (its socket came, or the leg ended), which may be called more than once.
   */
  lateLeg(): () => void {
    this.lateLegs += 1;
    let counted = true;
    return () => {
      if (!counted) return;
      counted = false;
      this.lateLegs -= 1;
      this.admit();
    };
  }

  /**
   * An admitted originate settled, either way: whatever room there is goes to whoever waits.
   * Waiters are let through one per free place at each change (a leg's socket coming, a leg
   * ending, an originate settling), so an admitted leg that fails never strands those behind it.
   */
  settled(): void {
    this.admit();
  }

  private admit(): void {
    let free = this.limit - this.lateLegs;
    while (free > 0 && this.waiting.length > 0) {
      this.waiting.shift()!();
      free -= 1;
    }
  }
}
