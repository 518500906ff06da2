import { timeLimitPlan } from '../../billing';
import type { Logger } from '../../log/logger';
import type { Clock, TimerHandle } from '../../time/clock';

export interface TalkPlan {
  /** Epoch ms the talk began (B's answer, or the later answer in simultaneous mode). */
  readonly talkStartMs: number;
  readonly limitSeconds: number;
  readonly warningSecondsBefore: number;
  readonly warn: () => Promise<void>;
  readonly stop: () => Promise<void>;
  /** The same stop, left with FreeSWITCH for the instant given: it holds if this process dies mid-talk. */
  readonly stopOnSwitch: (epochMs: number) => Promise<void>;
}

/**
 * C6 on the injected clock: a warning tone before the limit and the hard stop at it. Deadlines
 * count from when FreeSWITCH says the talk began, not from when we heard of it, so the stop
 * falls on exactly the computed second. The stop is also handed to FreeSWITCH (`stopOnSwitch`)
 * for the same instant; whichever comes first ends the talk. Ours is exact, the switch's is
 * whole seconds rounded up, so normally ours does, and the switch's is what is left if we died.
 */
export class TalkTimers {
  private handles: TimerHandle[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly logger: () => Logger,
  ) {}

  private get log(): Logger {
    return this.logger();
  }

  start(plan: TalkPlan): void {
    this.cancel();
    const limits = timeLimitPlan(plan.limitSeconds, { warningSecondsBefore: plan.warningSecondsBefore });
    const at = (seconds: number): number => plan.talkStartMs + seconds * 1000 - this.clock.now();
    // One line per call says the limit and that the switch holds the hard stop too; the warning
    // and the hard stop, when they come, say so themselves.
    this.log.info('talk limit set, hard stop handed to the switch', { limitSeconds: limits.hangupAtSeconds, warnAtSeconds: limits.warnAtSeconds });
    if (limits.warnAtSeconds !== undefined) this.handles.push(this.clock.setTimeout(() => this.fire('warning', plan.warn), at(limits.warnAtSeconds)));
    this.handles.push(this.clock.setTimeout(() => this.fire('hard stop', plan.stop), at(limits.hangupAtSeconds)));
    this.run('hard stop handed to the switch', () => plan.stopOnSwitch(plan.talkStartMs + limits.hangupAtSeconds * 1000));
  }

  cancel(): void {
    for (const handle of this.handles.splice(0)) handle.cancel();
  }

  private fire(what: string, action: () => Promise<void>): void {
    this.log.info(`talk limit: ${what}`);
    this.run(what, action);
  }

  private run(what: string, action: () => Promise<void>): void {
    action().catch((error: unknown) => this.log.warn(`talk limit ${what} failed`, { error: error instanceof Error ? error.message : String(error) }));
  }
}
