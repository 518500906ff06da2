import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { HangupCause } from '../esl/hangup-causes';
import type { TimerHandle } from '../time/clock';
import type { Channel } from './channel';
import type { SwitchCore } from './core';
import type { MetaBinding } from './dtmf';
import { holdPeer } from './hold-music';
import type { InCallScript } from './phones';

/** att_xfer's keys (attxfer_cancel_key, attxfer_hangup_key, attxfer_conf_key) and the leg it consults. */
export interface AttXferKeys {
  readonly peer: Channel;
  readonly cancel: string;
  readonly hangup: string;
  readonly conference: string;
}

/** What `sendmsg`, `uuid_broadcast` and meta keys queue on a session. */
export type SessionMessage =
  | {
      kind: 'execute';
      app: string;
      arg: string;
      appUuid?: string;
      lock?: boolean;
      loops?: number;
      /** A meta application's broadcast (SMF_HOLD_BLEG): the bridged peer hears hold music meanwhile. */
      holdsPeer?: boolean;
      done?: () => void;
    }
  | { kind: 'hangup'; cause: HangupCause; done?: () => void };

export type WakeReason = 'hangup' | 'transfer' | 'break' | 'message' | 'digit' | 'timeout' | 'signal';

export interface WaitOptions {
  /** Give up after this long (by the clock); Infinity or undefined waits for something else. */
  ms?: number;
  /** Wake when a queued message may run here (park loop, hold, a bridge without event-lock). */
  messages?: boolean;
  /** Wake when the phone pressed a digit. */
  digits?: boolean;
  /** `uuid_break` may end this wait. */
  breakable?: boolean;
  /** Wake when this becomes true (re-checked whenever the session is poked). */
  until?: () => boolean;
  /**
   * Whether a queued hangup is carried out during this wait (default yes). The socket
   * application waiting for its controller's `connect` does not read its queue (capture 04).
   */
  hangupMessages?: boolean;
}

export interface PlanStep {
  readonly app: string;
  readonly arg: string;
  readonly appUuid?: string;
}

/** A step that keeps the leg alive without an application (uuid_bridge), serving queued messages. */
export const HOLD: PlanStep = { app: '', arg: '' };

/** The controlling outbound socket, as far as the session needs it. */
export interface SessionController {
  readonly gone: boolean;
  readonly resume: boolean;
  /** CHANNEL_HANGUP has been fired: the earliest place FreeSWITCH's linger notice may go (04d). */
  hungUp(): void;
  /** The park loop of the socket application ended: where FreeSWITCH's linger notice may go. */
  parkEnded(): void;
  /**
   * Whether the end of the teardown (CS_REPORTING, CHANNEL_HANGUP_COMPLETE) waits for the
   * controller; if so it calls `resume` once (RaceOrders.lingeredReporting).
   */
  holdsReporting(resume: () => void): boolean;
  /** CHANNEL_HANGUP_COMPLETE has been fired. */
  channelDone(): void;
}

interface Waiter {
  readonly options: WaitOptions;
  readonly resolve: (reason: WakeReason) => void;
  timer: TimerHandle | undefined;
}

interface PendingTransfer {
  readonly plan: PlanStep[];
  readonly unwound: () => void;
  readonly entering: (() => void) | undefined;
}

/**
 * A leg's session thread: runs its dialplan (the originate's `&app`, the inbound call's socket
 * application), executes queued messages, and is woken by hangups, transfers, digits and its
 * controller. Applications are async functions that wait through `wait()`, so a hangup or
 * transfer unwinds them all the way up, firing each one's EXECUTE_COMPLETE on the way, like
 * FreeSWITCH's nested application calls.
 */
export class Session {
  readonly queue: SessionMessage[] = [];
  readonly digits: string[] = [];
  readonly hangupHooks: Array<() => void> = [];
  readonly teardownHooks: Array<() => void> = [];
  controller: SessionController | undefined;
  /** What the phone on this leg does once the call is up. */
  farEnd: InCallScript | undefined;
  readonly metaBindings: MetaBinding[] = [];
  /** While att_xfer consults a third party from this leg: the keys its DTMF callback acts on. */
  xfer: AttXferKeys | undefined;
  metaArmed = false;
  /** The outbound socket that `originate … &socket(…)` opened before reporting success (capture 05). */
  preconnected: Socket | undefined;
  running = false;
  tornDown = false;
  private waiter: Waiter | undefined;
  private locks = 0;
  private readonly frames: string[] = [];
  private transfer: PendingTransfer | undefined;

  constructor(
    readonly channel: Channel,
    private readonly core: SwitchCore,
  ) {}

  get locked(): boolean {
    return this.locks > 0;
  }

  enqueue(message: SessionMessage): void {
    if (!this.running && this.channel.up) {
      // A leg with no thread of its own (an originated B leg) acts at once, like a parked one.
      if (message.kind === 'hangup') {
        this.core.hangup(this.channel, message.cause);
        message.done?.();
        return;
      }
      this.queue.push(message);
      void this.run([HOLD]);
      return;
    }
    this.queue.push(message);
    this.poke();
  }

  /** Re-evaluates the current wait after any state change. */
  poke(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const reason = this.ready(waiter.options);
    if (reason) this.settle(reason);
  }

  wait(options: WaitOptions): Promise<WakeReason> {
    const immediate = this.ready(options);
    if (immediate) return Promise.resolve(immediate);
    // Only the innermost application waits; a second wait would be a bug, so the first one is woken
    // rather than left hanging for ever.
    if (this.waiter) this.settle('signal');
    return new Promise((resolve) => {
      const waiter: Waiter = { options, resolve, timer: undefined };
      if (options.ms !== undefined && Number.isFinite(options.ms)) {
        waiter.timer = this.core.after(options.ms, () => {
          if (this.waiter === waiter) this.settle('timeout');
        });
      }
      this.waiter = waiter;
    });
  }

  /**
   * `uuid_break <uuid> all`: FreeSWITCH flushes the channel's private event queue, so queued
   * sendmsg messages never run (no CHANNEL_EXECUTE, no EXECUTE_COMPLETE). A static socket's
   * sendmsg still gets its `+OK`.
   */
  flushQueue(): void {
    for (const message of this.queue.splice(0)) message.done?.();
  }

  /** `uuid_break`: ends a breakable wait (a playback) if one is running. */
  breakCurrent(): void {
    if (this.waiter?.options.breakable) this.settle('break');
  }

  pushDigit(digit: string): void {
    this.digits.push(digit);
    this.poke();
  }

  /** Runs the leg's dialplan; when it is exhausted the leg hangs up, as an inline dialplan does. */
  async run(plan: PlanStep[]): Promise<void> {
    if (this.running || !this.channel.up) return;
    this.running = true;
    let steps = [...plan];
    while (steps.length > 0 && this.channel.up) {
      const step = steps.shift() as PlanStep;
      if (step === HOLD) await this.hold();
      else await this.execute(step.app, step.arg, { appUuid: step.appUuid });
      const transfer = this.transfer;
      if (transfer) {
        this.transfer = undefined;
        steps = transfer.plan;
        transfer.entering?.();
        transfer.unwound();
      }
    }
    if (this.channel.up) this.core.hangup(this.channel, 'NORMAL_CLEARING');
    this.running = false;
    this.core.teardown(this.channel);
  }

  /**
   * Ends whatever the leg is doing and continues with `plan` (uuid_transfer, uuid_bridge). Resolves
   * once the running applications have unwound and completed; `entering` runs then, right before
   * the plan's first application.
   */
  transferTo(plan: PlanStep[], entering?: () => void): Promise<void> {
    if (!this.channel.up) return Promise.resolve();
    if (!this.running) {
      // A leg without a thread of its own (an originated B leg) enters the dialplan once the leg
      // that bridged it has unwound its bridge (capture 12c2: A's EXECUTE_COMPLETE bridge first).
      this.channel.hitDialplan = true;
      this.channel.state = 'CS_EXECUTE';
      this.channel.stateNumber = 4;
      this.core.after(0, () => {
        entering?.();
        void this.run(plan);
      });
      return Promise.resolve();
    }
    if (this.transfer) this.transfer.unwound();
    return new Promise((resolve) => {
      this.transfer = { plan, unwound: resolve, entering };
      this.poke();
    });
  }

  /** Executes one application with its CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE pair. */
  async execute(name: string, arg: string, options: { appUuid?: string; lock?: boolean } = {}): Promise<void> {
    const app = this.core.applications.get(name.toLowerCase());
    if (!app) {
      // FreeSWITCH logs "Invalid Application" and fires nothing.
      this.core.logger.warn(`simulator: invalid application ${JSON.stringify(name)} on ${this.channel.uuid}`);
      return;
    }
    const appUuid = options.appUuid ?? randomUUID();
    const channel = this.channel;
    channel.setVar('current_application', name);
    channel.setVar('current_application_data', arg);
    const values = { Application: name, 'Application-Data': arg, 'Application-UUID': appUuid };
    // The CDR's last_app is the application started last, not the one finished last: the socket
    // application ends after the playbacks it ran (captures 05, 07a, 08b, 12d2).
    this.core.lastApplication.set(channel.uuid, { app: name, arg });
    this.core.emit('CHANNEL_EXECUTE', channel, values);
    this.frames.push(name);
    channel.application = name;
    if (options.lock) this.locks++;
    try {
      await app.run({ core: this.core, session: this, channel, arg, appUuid });
    } catch (error) {
      this.core.logger.error(`simulator: application ${name} failed: ${(error as Error).stack ?? String(error)}`);
    } finally {
      this.frames.pop();
      channel.application = this.frames[this.frames.length - 1];
      if (options.lock) this.locks--;
    }
    channel.setVar('current_application_data', arg);
    channel.setVar('current_application', name);
    const response = channel.getVar('current_application_response') ?? '_none_';
    this.core.emit('CHANNEL_EXECUTE_COMPLETE', channel, { ...values, 'Application-Response': response });
    this.poke();
  }

  /** Takes and runs the next queued message; callers wait for `'message'` first. */
  async runNextMessage(): Promise<void> {
    const message = this.queue.shift();
    if (!message) return;
    if (message.kind === 'hangup') {
      this.core.hangup(this.channel, message.cause);
    } else {
      const loops = message.loops === undefined || message.loops < 1 ? 1 : message.loops;
      const release = message.holdsPeer ? holdPeer(this.core, this.channel) : undefined;
      for (let i = 0; i < loops && this.channel.up && !this.transfer; i++) {
        await this.execute(message.app, message.arg, { appUuid: message.appUuid, lock: message.lock });
      }
      release?.();
    }
    message.done?.();
  }

  /** Serves queued messages until something ends the wait; `'signal'` when `until` became true. */
  async serveMessages(until?: () => boolean): Promise<WakeReason> {
    for (;;) {
      const reason = await this.wait(until ? { messages: true, until } : { messages: true });
      if (reason !== 'message') return reason;
      await this.runNextMessage();
    }
  }

  private async hold(): Promise<void> {
    await this.serveMessages();
  }

  private ready(options: WaitOptions): WakeReason | undefined {
    // A hangup is not an application: any wait outside an event-locked application carries it out.
    if (!this.locked && options.hangupMessages !== false) this.flushHangupMessages();
    if (!this.channel.up) return 'hangup';
    if (this.transfer) return 'transfer';
    if (options.until?.()) return 'signal';
    if (options.digits && this.digits.length > 0) return 'digit';
    if (options.messages && !this.locked && this.queue.length > 0) return 'message';
    return undefined;
  }

  private flushHangupMessages(): void {
    const index = this.queue.findIndex((m) => m.kind === 'hangup');
    if (index < 0 || !this.channel.up) return;
    const [message] = this.queue.splice(index, 1);
    if (message?.kind !== 'hangup') return;
    this.core.hangup(this.channel, message.cause);
    message.done?.();
  }

  private settle(reason: WakeReason): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    waiter.timer?.cancel();
    waiter.resolve(reason);
  }
}
