/**
 * Backpressure on originates to one FreeSWITCH node while our outbound socket server is not
 * taking that node's sockets in.
 *
 * A leg originated to `&socket(...)` connects back once it answers. Node accepts one connection
 * per event-loop turn, so on a busy controller answered legs' sockets wait in the kernel's listen
 * queue: past its length (4,096) the kernel drops them and FreeSWITCH tries again seconds later,
 * and FreeSWITCH drops one it could not speak to within 25 s. A leg is "late" from its
 * originate's `+OK` until a socket names it (or it ends); an originate is "launching" from the
 * moment it may start until FreeSWITCH took the job (or it failed), which on a busy controller
 * includes its wait on the inbound connection. No new socket leg is originated to the node while
 * `limit` of its legs are late or launching, or while its oldest late leg has been late for
 * `maxLateMs`: the queue is then as long as the controller takes in within that time, however
 * slowly it does, and the dialer waits instead of queueing sockets that would come too late.
 *
 * A late leg stops counting towards that age once a socket comes of a leg of the node that went
 * late after it, or was launched after it went late: the kernel's accept queue is first in,
 * first out, so that socket would have queued behind the old leg's, which is therefore not
 * waiting for the controller (its socket is lost, or its events are). It still counts towards
 * `limit` until it is given up, so a node that loses every socket stops being dialed, but one
 * lost leg no longer holds its node up for the whole socket wait.
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
 * Far above what a controller keeping up has late or launching on a node (a few dozen at 300
 * calls/s), and few enough that a controller taking in 40 sockets a second has them all within 25 s.
 */
export const DEFAULT_MAX_LATE_SOCKETS = 256;

/** One originate's place in its node's window, from its launch until it is gone; each call may come more than once. */
export interface WindowLeg {
  /** FreeSWITCH took the job, or the originate settled without that. */
  launched(): void;
  /** It answered and its socket is not here: late until it arrives or is gone. */
  late(): void;
  /** A socket naming it connected. */
  arrived(): void;
  /** It ended, or no longer waits for a socket. */
  gone(): void;
}

interface LegState {
  readonly launchedAt: number;
  launching: boolean;
  /** Gone: nothing it says counts any more. */
  ended: boolean;
  /** The tick it went late at; undefined while not late. */
  lateAt: number | undefined;
  /** When it went late, on the clock. */
  lateSince: number;
}

export function checkWindowOptions({ limit, maxLateMs }: SocketWindowOptions): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`socket window: expected a positive integer limit, got ${limit}`);
  if (!(maxLateMs > 0)) throw new RangeError(`socket window: expected a positive maxLateMs, got ${maxLateMs}`);
}

/** One node's window. `changed` is called each time it may have opened, and when it is left empty. */
export class SocketWindow {
  /** Late legs still counted towards the age rule, in the order they went late (a Set keeps it). */
  private readonly aging = new Set<LegState>();
  private lateCount = 0;
  private launching = 0;
  /** Legs launched and not gone yet, ringing ones included: any of them may still go late. */
  private legs = 0;
  /** Orders launches and lateness: marks compared by the first-in-first-out rule. */
  private ticks = 0;

  constructor(
    private readonly options: SocketWindowOptions,
    private readonly changed: () => void,
  ) {
    checkWindowOptions(options);
  }

  /** Legs answered whose socket has not come yet. */
  get late(): number {
    return this.lateCount;
  }

  /** No leg is in it, from its launch until it is gone: nothing it counted can count again. */
  get empty(): boolean {
    return this.legs === 0;
  }

  /** Whether an originate may start now. */
  get open(): boolean {
    const oldest = this.aging.values().next();
    if (!oldest.done && this.options.now() - oldest.value.lateSince >= this.options.maxLateMs) return false;
    return this.lateCount + this.launching < this.options.limit;
  }

  /** Counts an originate as launching from now. */
  launch(): WindowLeg {
    this.launching += 1;
    this.legs += 1;
    const leg: LegState = { launchedAt: ++this.ticks, launching: true, ended: false, lateAt: undefined, lateSince: 0 };
    return {
      launched: () => this.launched(leg),
      late: () => this.wentLate(leg),
      arrived: () => this.arrived(leg),
      gone: () => {
        if (leg.ended) return;
        leg.ended = true;
        this.legs -= 1;
        const freed = this.endLaunch(leg);
        if (this.endLate(leg) || freed || this.legs === 0) this.changed();
      },
    };
  }

  private launched(leg: LegState): void {
    if (this.endLaunch(leg)) this.changed();
  }

  private wentLate(leg: LegState): void {
    if (leg.lateAt !== undefined || leg.ended) return;
    leg.lateAt = ++this.ticks;
    leg.lateSince = this.options.now();
    this.lateCount += 1;
    this.aging.add(leg);
  }

  private arrived(leg: LegState): void {
    const mark = leg.lateAt ?? leg.launchedAt;
    const freed = this.endLate(leg);
    let excused = false;
    for (const older of this.aging) {
      if (older.lateAt === undefined || older.lateAt >= mark) break;
      this.aging.delete(older);
      excused = true;
    }
    if (freed || excused) this.changed();
  }

  private endLaunch(leg: LegState): boolean {
    if (!leg.launching) return false;
    leg.launching = false;
    this.launching -= 1;
    return true;
  }

  private endLate(leg: LegState): boolean {
    if (leg.lateAt === undefined) return false;
    leg.lateAt = undefined;
    this.lateCount -= 1;
    this.aging.delete(leg);
    return true;
  }
}
