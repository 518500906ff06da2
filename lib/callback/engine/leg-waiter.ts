import type { CallSession } from '../../esl/call-session';
import { EslCommandFailed, EslInvalidArgument, NoCapacity } from '../../esl/errors';
import type { HangupCause } from '../../esl/hangup-causes';
import type { Clock, TimerHandle } from '../../time/clock';
import type { LegSignals } from './leg-events';

/**
 * How an originated leg turned out.
 * - answered: for a socket leg, with the outbound session that now controls it;
 * - failed: with the hangup cause; `orphan` when a channel may exist anyway (the originate
 *   succeeded but its socket never came, or its result was lost), which the caller hangs up.
 */
export type LegOutcome =
  | { readonly kind: 'answered'; readonly session: CallSession | undefined }
  | { readonly kind: 'failed'; readonly cause: HangupCause; readonly orphan: boolean };

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
}

/**
 * Correlates originated legs with what FreeSWITCH sends back, by origination_uuid only (§9): the
 * outbound socket of an answered leg usually connects ~20 ms before the BACKGROUND_JOB with the
 * originate's `+OK`, but either may come first, and a `-ERR CAUSE` means no socket will come.
 */
export class LegWaiter {
  private readonly waiting = new Map<string, (session: CallSession) => void>();

  constructor(private readonly options: LegWaiterOptions) {}

  /** Hands a socket session to the leg waiting for it; false for a session nobody waits for. */
  offer(session: CallSession): boolean {
    const claim = this.waiting.get(session.uuid);
    if (!claim) return false;
    claim(session);
    return true;
  }

  get pending(): number {
    return this.waiting.size;
  }

  /** A leg originated with `&socket(...)`: answered once its session is here, whatever the BACKGROUND_JOB says later. */
  socketLeg(uuid: string, originate: Promise<unknown>, ringTimeoutMs: number): Promise<LegOutcome> {
    return this.race(originate, ringTimeoutMs, (finish) => {
      this.waiting.set(uuid, (session) => finish({ kind: 'answered', session }));
      return {
        onOriginated: (giveUp) => giveUp(this.options.socketWaitMs, 'NORMAL_TEMPORARY_FAILURE'),
        cleanup: () => this.waiting.delete(uuid),
      };
    });
  }

  /** A leg originated with `&park()`: the originate's `+OK` is its answer. */
  parkedLeg(originate: Promise<unknown>, signals: LegSignals, ringTimeoutMs: number): Promise<LegOutcome> {
    return this.race(originate, ringTimeoutMs, (finish) => {
      // With the result lost, the channel's own CHANNEL_ANSWER still tells us.
      signals.answered.whenDone(() => finish({ kind: 'answered', session: undefined }));
      return { onOriginated: () => finish({ kind: 'answered', session: undefined }), cleanup: () => undefined };
    });
  }

  private race(
    originate: Promise<unknown>,
    ringTimeoutMs: number,
    setup: (finish: (outcome: LegOutcome) => void) => {
      onOriginated: (giveUp: (afterMs: number, cause: HangupCause) => void) => void;
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
      const giveUp = (afterMs: number, cause: HangupCause): void => {
        if (settled || timer) return;
        timer = this.options.clock.setTimeout(() => finish({ kind: 'failed', cause, orphan: true }), afterMs);
      };
      const hooks = setup(finish);
      originate.then(
        () => hooks.onOriginated(giveUp),
        (error: unknown) => {
          const cause = causeOfOriginateError(error);
          // The connection to the node dropped mid-originate: the leg may still ring and answer.
          if (cause === 'unknown') giveUp(ringTimeoutMs + this.options.socketWaitMs, 'NETWORK_OUT_OF_ORDER');
          else finish({ kind: 'failed', cause, orphan: false });
        },
      );
    });
  }
}
