import type { CallSession } from '../../esl/call-session';
import { EslCommandFailed, EslInvalidArgument, NoCapacity } from '../../esl/errors';
import type { HangupCause } from '../../esl/hangup-causes';
import { errorText } from '../../esl/listeners';
import type { Clock, TimerHandle } from '../../time/clock';
import type { LegSignals } from './leg-events';
import type { WindowLeg } from './socket-window';
import { SocketWindows, type NodeChoice } from './socket-windows';

/**
 * How an originated leg turned out.
 * - answered: for a socket leg, with the outbound session that now controls it;
 * - failed: with the hangup cause; `orphan` when a channel may exist anyway (the originate
 *   succeeded but its socket never came, or its result was lost), which the caller hangs up.
 */
export type LegOutcome =
  | { readonly kind: 'answered'; readonly session: CallSession | undefined }
  | { readonly kind: 'failed'; readonly cause: HangupCause; readonly orphan: false }
  | { readonly kind: 'failed'; readonly cause: HangupCause; readonly orphan: true; /** Why it was given up, for the log. */ readonly givenUp: string };

/** The cause an originate failure stands for; 'unknown' when the leg may still come up (§2: lost connection). */
export function causeOfOriginateError(error: unknown): HangupCause | 'unknown' {
  if (error instanceof EslCommandFailed) return error.hangupCause ?? 'NORMAL_TEMPORARY_FAILURE';
  // Every node full or over its CPS budget: the network is congested, which retry policy retries.
  if (error instanceof NoCapacity) return 'SWITCH_CONGESTION';
  if (error instanceof EslInvalidArgument) return 'INVALID_NUMBER_FORMAT';
  return 'unknown';
}

export interface LegWaiterOptions {
  clock: Clock;
  /** How long an answered leg's socket may take to connect after the originate reported success. */
  socketWaitMs: number;
  /** While this many legs of a node are answered without their socket or launching, new socket legs wait to be originated there (SocketWindow). */
  maxLateSockets: number;
  /**
   * Resolves once the outbound server has taken in every socket queued for it and each has named
   * its channel (OutboundServer.drained). Asked before a leg is given up: a socket the kernel holds
   * for a busy controller is on time as far as FreeSWITCH is concerned.
   */
  socketsTakenIn?: () => Promise<void>;
}

/**
 * The window closes while an answered leg's socket has been late this long: normally it comes
 * within milliseconds, so a lag of seconds is the controller taking sockets in slower than legs
 * answer, and a queue of two seconds of its pace keeps it taking one in at every turn.
 */
const MAX_LATE_SOCKET_MS = 2_000;

/** Gives the leg up after `afterMs`, unless it settles first. */
type GiveUp = (afterMs: number, cause: HangupCause, why: string) => void;

/** A socket leg waiting for its session. */
interface WaitingLeg {
  claim: (session: CallSession) => void;
  /** Sockets naming this leg that connected and are still shaking hands or proving themselves. */
  arriving: number;
  /** The give-up that came due while a socket was arriving: it applies once none is left. */
  overdue: (() => void) | undefined;
  /** Its place in its node's socket window, once it has one. */
  window: WindowLeg | undefined;
}

/**
 * Correlates originated legs with what FreeSWITCH sends back, by origination_uuid only (§9): the
 * outbound socket of an answered leg usually connects ~20 ms before the BACKGROUND_JOB with the
 * originate's `+OK`, but either may come first, and a `-ERR CAUSE` means no socket will come.
 */
export class LegWaiter {
  private readonly waiting = new Map<string, WaitingLeg>();
  private readonly windows: SocketWindows;

  constructor(private readonly options: LegWaiterOptions) {
    this.windows = new SocketWindows({ limit: options.maxLateSockets, maxLateMs: MAX_LATE_SOCKET_MS, now: () => options.clock.now() });
  }

  /** Hands a socket session to the leg waiting for it; false for a session nobody waits for. */
  offer(session: CallSession): boolean {
    const leg = this.waiting.get(session.uuid);
    if (!leg) return false;
    leg.claim(session);
    return true;
  }

  /**
   * A socket naming `uuid` has connected (its `connect` was answered) and is finishing its
   * handshake and admission. Until it is offered, or the returned function says it failed, the
   * leg is not given up: on a busy controller that takes longer than the socket wait, and giving
   * up would hang up a leg whose socket is here. Whatever the socket does, it ends within its own
   * deadlines (handshake, admission); a socket that names a leg it is not (admission refuses it)
   * only delays the give-up by as much.
   */
  arriving(uuid: string): () => void {
    const leg = this.waiting.get(uuid);
    if (!leg) return () => undefined;
    leg.arriving += 1;
    leg.window?.arrived();
    let gone = false;
    return () => {
      if (gone) return;
      gone = true;
      leg.arriving -= 1;
      if (leg.arriving === 0) leg.overdue?.();
    };
  }

  get pending(): number {
    return this.waiting.size;
  }

  /** Answered legs whose socket has not come yet. */
  get lateSockets(): number {
    return this.windows.late;
  }

  /**
   * A leg originated with `&socket(...)`: answered once its session is here, whatever the
   * BACKGROUND_JOB says later. `originate` is called once the socket window of one of
   * `nodes.among` has room, with the node picked, and calls `accepted` once FreeSWITCH has taken the job.
   */
  socketLeg(uuid: string, nodes: NodeChoice, originate: (node: string, accepted: () => void) => Promise<unknown>, ringTimeoutMs: number): Promise<LegOutcome> {
    const leg: WaitingLeg = { claim: () => undefined, arriving: 0, overdue: undefined, window: undefined };
    const originated = this.windows.room(nodes).then(({ node, leg: place }) => {
      leg.window = place;
      return originate(node, place.launched);
    });
    const outcome = this.race(originated, ringTimeoutMs, (finish) => {
      leg.claim = (session) => finish({ kind: 'answered', session });
      this.waiting.set(uuid, leg);
      return {
        onOriginated: (giveUp) => {
          if (leg.arriving === 0 && this.waiting.get(uuid) === leg) leg.window?.late();
          giveUp(this.options.socketWaitMs, 'NORMAL_TEMPORARY_FAILURE', `answered, but no socket named it within ${this.options.socketWaitMs} ms of its +OK`);
        },
        holdGiveUp: (giveUpNow) => {
          if (leg.arriving === 0) return false;
          leg.overdue = giveUpNow;
          return true;
        },
        cleanup: () => {
          leg.window?.gone();
          this.waiting.delete(uuid);
        },
      };
    });
    // After the race's own reaction, so that a leg answered without its socket is counted late first.
    const over = (): void => leg.window?.launched();
    originated.then(over, over);
    return outcome;
  }

  /** A leg originated with `&park()`: the originate's `+OK` is its answer. */
  parkedLeg(originate: Promise<unknown>, signals: LegSignals, ringTimeoutMs: number): Promise<LegOutcome> {
    return this.race(originate, ringTimeoutMs, (finish) => {
      // With the result lost, the channel's own CHANNEL_ANSWER still tells us.
      signals.answered.whenDone(() => finish({ kind: 'answered', session: undefined }));
      return { onOriginated: () => finish({ kind: 'answered', session: undefined }), holdGiveUp: () => false, cleanup: () => undefined };
    });
  }

  private race(
    originate: Promise<unknown>,
    ringTimeoutMs: number,
    setup: (finish: (outcome: LegOutcome) => void) => {
      onOriginated: (giveUp: GiveUp) => void;
      /** True when the give-up, now due, must wait: `giveUpNow` is then called when it applies. */
      holdGiveUp: (giveUpNow: () => void) => boolean;
      cleanup: () => void;
    },
  ): Promise<LegOutcome> {
    return new Promise<LegOutcome>((resolve) => {
      let timer: TimerHandle | undefined;
      let settled = false;
      const finish = (outcome: LegOutcome): void => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        hooks.cleanup();
        resolve(outcome);
      };
      const giveUp: GiveUp = (afterMs, cause, why) => {
        if (settled || timer) return;
        const giveUpNow = (): void => finish({ kind: 'failed', cause, orphan: true, givenUp: why });
        const takenIn = this.options.socketsTakenIn ?? (() => Promise.resolve());
        timer = this.options.clock.setTimeout(() => {
          // A socket still queued for a busy controller names its leg once taken in: then it is held.
          void takenIn().then(() => {
            if (!hooks.holdGiveUp(giveUpNow)) giveUpNow();
          });
        }, afterMs);
      };
      const hooks = setup(finish);
      originate.then(
        () => hooks.onOriginated(giveUp),
        (error: unknown) => {
          const cause = causeOfOriginateError(error);
          // The connection to the node dropped mid-originate: the leg may still ring and answer.
          if (cause === 'unknown') {
            const waitMs = ringTimeoutMs + this.options.socketWaitMs;
            giveUp(waitMs, 'NETWORK_OUT_OF_ORDER', `its originate's result was lost (${errorText(error)}) and it did not come up within ${waitMs} ms`);
          }
          else finish({ kind: 'failed', cause, orphan: false });
        },
      );
    });
  }
}
