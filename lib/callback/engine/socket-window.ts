/**
 * Backpressure on originates while the outbound socket server is not taking sockets in.
 *
 * A leg originated to `&socket(...)` connects back once it answers. Node accepts one connection
 * per event-loop turn, so on a busy controller answered legs' sockets wait in the kernel's listen
 * queue: past its length (4,096) the kernel drops them and FreeSWITCH tries again seconds later,
 * and FreeSWITCH drops one it could not speak to within 25 s. A leg is "late" from its
 * originate's `+OK` until a socket names it (or it ends); an originate is "launching" from the
 * moment it may start until FreeSWITCH took the job (or it failed), which on a busy controller
 * includes its wait on the inbound connection. No new socket leg is originated while `limit` legs
 * are late or launching, or while the oldest late leg has been late for `maxLateMs`: the queue is
 * then as long as the controller takes in within that time, however slowly it does, and the
 * dialer waits instead of queueing sockets that would come too late.
 *
 * Ringing legs are not counted: a ring lasts up to the wait time and a ringing leg has no socket
 * yet, so counting them would cap the calls a second by the time people take to answer.
 */
export interface SocketWindowOptions {
  limit: number;
  maxLateMs: number;
  now: () => number;
}

/**
 * Far above what a controller keeping up has late or launching (a few dozen at 300 calls/s), and
 * few enough that a controller taking in 40 sockets a second has them all within 25 s.
 */
export const DEFAULT_MAX_LATE_SOCKETS = 256;

export class SocketWindow {
  /** When each late leg answered, oldest first (a Set keeps the order things were added in). */
  private readonly lateSince = new Set<{ readonly at: number }>();
  private readonly waiting: Array<(launched: () => void) => void> = [];
  private launching = 0;

  constructor(private readonly options: SocketWindowOptions) {
    const { limit, maxLateMs } = options;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`socket window: expected a positive integer limit, got ${limit}`);
    if (!(maxLateMs > 0)) throw new RangeError(`socket window: expected a positive maxLateMs, got ${maxLateMs}`);
  }

  /** Legs answered whose socket has not come yet. */
  get late(): number {
    return this.lateSince.size;
  }

  /** Originates waiting for room. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves when a socket leg may be originated (at once unless the window is closed or others
   * wait before) with the function that says its launch is over: FreeSWITCH took the job, or the
   * originate settled without that; it may be called more than once.
   */
  room(): Promise<() => void> {
    if (this.waiting.length === 0 && this.free() > 0) return Promise.resolve(this.launch());
    return new Promise<() => void>((resolve) => this.waiting.push(resolve));
  }

  /**
   * A leg answered and its socket is not here: counted until the returned function is called
   * (its socket came, or the leg ended), which may be called more than once.
   */
  lateLeg(): () => void {
    const leg = { at: this.options.now() };
    this.lateSince.add(leg);
    return () => {
      if (this.lateSince.delete(leg)) this.admit();
    };
  }

  /** How many originates may start now. */
  private free(): number {
    const oldest = this.lateSince.values().next();
    if (!oldest.done && this.options.now() - oldest.value.at >= this.options.maxLateMs) return 0;
    return this.options.limit - this.lateSince.size - this.launching;
  }

  private launch(): () => void {
    this.launching += 1;
    let over = false;
    return () => {
      if (over) return;
      over = true;
      this.launching -= 1;
      this.admit();
    };
  }

  /** Lets waiters through while there is room: at each change (a launch over, a late leg gone), so none is stranded. */
  private admit(): void {
    while (this.waiting.length > 0 && this.free() > 0) this.waiting.shift()!(this.launch());
  }
}
