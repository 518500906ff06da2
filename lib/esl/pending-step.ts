import { onAbort } from './abort';
import type { EslEvent } from './wire';

/** What the session does with a step still waiting when the call ends or leaves our control. */
export interface Waiter {
  readonly step: string;
  fail(error: Error): void;
  /** transfer() ends the socket application on purpose: that completes it (true) instead of failing. */
  released(event: EslEvent): boolean;
}

/**
 * One step of a call waiting for its outcome (an execute's CHANNEL_EXECUTE_COMPLETE, a command's
 * reply). It settles once; settling removes it from the session's waiters (and, for an execute,
 * from the executions by Event-UUID) and detaches its abort listener. One object per step, not a
 * closure per hook: a bridged call keeps its `bridge` step for the whole talk.
 */
export class PendingStep<T> implements Waiter {
  /** For an execute: the Event-UUID it was sent with, its key in the session's executions. */
  eventUuid: string | undefined;
  /** An execute's CHANNEL_EXECUTE came: a `uuid_break all` can no longer drop it from the queue. */
  started = false;
  private done = false;
  private detachAbort: (() => void) | undefined;

  constructor(
    readonly step: string,
    private readonly waiters: Set<Waiter>,
    private readonly executions: { delete(eventUuid: string): unknown },
    private readonly resolveStep: (value: T) => void,
    private readonly rejectStep: (error: Error) => void,
    private readonly onRelease?: (event: EslEvent) => T,
  ) {
    waiters.add(this);
  }

  /** Rejects with the signal's reason when it fires; `interrupt` stops what the step started on the channel. */
  abortOn(signal: AbortSignal, interrupt?: () => void): void {
    this.detachAbort = onAbort(signal, (reason) => {
      if (!this.finish()) return;
      interrupt?.();
      this.rejectStep(reason);
    });
  }

  succeed(value: T): void {
    if (this.finish()) this.resolveStep(value);
  }

  fail(error: Error): void {
    if (this.finish()) this.rejectStep(error);
  }

  released(event: EslEvent): boolean {
    if (!this.onRelease) return false;
    this.succeed(this.onRelease(event));
    return true;
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    this.waiters.delete(this);
    if (this.eventUuid !== undefined) this.executions.delete(this.eventUuid);
    this.detachAbort?.();
    return true;
  }
}
