import type { CallSession } from '../../esl/call-session';
import { word } from '../../esl/app-args';
import { CallEnded } from '../../esl/errors';
import type { HangupCause } from '../../esl/hangup-causes';
import type { Logger } from '../../log/logger';
import { isUnknownChannelError } from '../../esl/unknown-channel';
import type { EngineTelephony } from './telephony';

/**
 * What the flows do to a leg, whether we hold its outbound socket (leg A of source-first) or
 * reach it only through `api` on its node (parked legs, the B leg of a bridge). A leg that is
 * already gone makes every operation a quiet no-op: the call ending is never an error here.
 */
export interface LegControl {
  /**
   * Plays a prompt. A socket leg continues afterwards; a leg we only reach through the API is
   * sent to the prompt and hangs up after it, so `hangup` then only waits for that.
   */
  playPrompt(file: string): Promise<void>;
  /** Plays over a running talk without interrupting it (the C6 warning tone). */
  playDuringTalk(file: string): Promise<void>;
  hangup(cause: HangupCause): Promise<void>;
  /**
   * Has FreeSWITCH itself hang the leg up at `epochMs` (C6), so the stop holds even if this
   * process is gone by then. FreeSWITCH counts whole seconds: it is rounded up, never early.
   */
  hangupAt(epochMs: number, cause: HangupCause): Promise<void>;
}

/** `app:arg,app:arg`: an inline dialplan cannot carry commas or spaces inside an argument. */
export function inlineDialplan(steps: ReadonlyArray<readonly [string, string]>): string {
  return steps
    .map(([app, arg]) => {
      if (/[\s,']/.test(arg) || /[^a-z_]/.test(app)) throw new Error(`cannot run ${app} ${arg} in an inline dialplan`);
      return arg === '' ? app : `${app}:${arg}`;
    })
    .join(',');
}

/** `sched_hangup`'s time: an absolute epoch second, not before `epochMs`. */
function epochSecondNotBefore(epochMs: number): number {
  return Math.ceil(epochMs / 1000);
}

/** Leg A under our outbound socket. */
export class SessionControl implements LegControl {
  constructor(
    readonly session: CallSession,
    /** Asked for on each line: the leg's logger is made when something is logged. */
    private readonly log: () => Logger,
  ) {}

  async playPrompt(file: string): Promise<void> {
    await this.quietly('playback', () => this.session.playback(file));
  }

  async playDuringTalk(file: string): Promise<void> {
    // Without event-lock it runs inside the bridge, which keeps going (captures 12a2).
    await this.quietly('playback during talk', () => this.session.execute('playback', word('file', file), { eventLock: false }));
  }

  async hangup(cause: HangupCause): Promise<void> {
    await this.quietly('hangup', () => this.session.hangup(cause));
  }

  async hangupAt(epochMs: number, cause: HangupCause): Promise<void> {
    await this.quietly('sched_hangup', () => this.session.execute('sched_hangup', `${epochSecondNotBefore(epochMs)} ${cause}`));
  }

  private async quietly(step: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof CallEnded)) throw error;
      this.log().debug('leg ended during a step', { step, reason: error.reason, hangupCause: error.hangupCause });
    }
  }
}

/** A leg we control through `api` on its node: parked legs (C5) and B legs of a bridge. */
export class ApiControl implements LegControl {
  private endsAfterPrompt = false;

  constructor(
    private readonly telephony: EngineTelephony,
    private readonly uuid: string,
    private readonly node: () => string | undefined,
    /** Asked for on each line: the leg's logger is made when something is logged. */
    private readonly log: () => Logger,
  ) {}

  async playPrompt(file: string): Promise<void> {
    // No socket tells us when a playback on a parked leg ends; an inline dialplan plays it and
    // then hangs up by itself, which is all a parked leg is ever prompted for (the end of a call).
    word('file', file);
    if (file.includes(',')) throw new Error(`prompt path ${file} cannot be played inline (comma)`);
    if (await this.send(`uuid_transfer ${this.uuid} playback:${file},hangup:NORMAL_CLEARING inline`)) this.endsAfterPrompt = true;
  }

  async playDuringTalk(file: string): Promise<void> {
    await this.send(`uuid_broadcast ${this.uuid} ${word('file', file)} aleg`);
  }

  async hangup(cause: HangupCause): Promise<void> {
    if (this.endsAfterPrompt) return;
    await this.send(`uuid_kill ${this.uuid} ${cause}`);
  }

  async hangupAt(epochMs: number, cause: HangupCause): Promise<void> {
    await this.send(`sched_hangup ${epochSecondNotBefore(epochMs)} ${this.uuid} ${cause}`);
  }

  /**
   * Takes the leg out of what it runs (a bridge, park) into an inline dialplan of `[app, arg]`
   * steps (`uuid_transfer … inline`); it hangs up when they end. False when it was gone already.
   */
  transferInline(steps: ReadonlyArray<readonly [string, string]>): Promise<boolean> {
    return this.send(`uuid_transfer ${this.uuid} ${inlineDialplan(steps)} inline`);
  }

  /** False when the channel is gone already. */
  private async send(command: string): Promise<boolean> {
    try {
      await this.telephony.api(this.node(), command);
      return true;
    } catch (error) {
      if (!isUnknownChannelError(error)) throw error;
      this.log().debug('leg already gone', { command: command.split(' ', 1)[0] });
      return false;
    }
  }
}
