import type { Socket } from 'node:net';
import { encodeConnectReply, encodeDisconnectNotice, encodeLingerNotice } from '../esl/wire';
import type { TimerHandle } from '../time/clock';
import type { SwitchCore } from './core';
import { SHARED_COMMANDS } from './esl-commands';
import { EslConnection, type ParsedCommand } from './esl-connection';
import type { Session, SessionController } from './session';

/** FreeSWITCH waits this long for the first command (`read_packet(listener, &ev, 25)`). */
const FIRST_COMMAND_TIMEOUT_MS = 25_000;
/**
 * After `connect`, the socket application polls for the connected flag before it parks. By the
 * time CHANNEL_PARK fires, a client that sent `myevents` right after `connect` is subscribed
 * (most captures); the park starts after the next command, or after this long by the clock.
 */
const PARK_DELAY_MS = 10;
/**
 * RaceOrders.lingeredReporting 'after-controller-command': how long the end of the teardown waits
 * for the controller's answer to the linger notice (capture 04d: HANGUP_COMPLETE came 18 ms after it).
 */
const REPORTING_HOLD_MS = 20;

/** Without `full`, only these work (mod_event_socket, ESL-NOTES §3). */
const WITHOUT_FULL = new Set(['connect', 'getvar', 'myevents', 'resume', 'filter', 'divert_events', 'sendmsg', 'exit']);

export interface OutboundMode {
  readonly async: boolean;
  readonly full: boolean;
}

/**
 * The connection the `socket` application opens to a controller: `connect` gets the channel
 * data, then the session's commands; the end of the call brings the linger or disconnect notice.
 */
export class OutboundSocket extends EslConnection implements SessionController {
  readonly kind = 'outbound';
  resume = false;
  private connected = false;
  private started = false;
  private firstCommand = true;
  private lingerSeconds: number | undefined;
  private lingerNoticeSent = false;
  /** The held end of the teardown (RaceOrders.lingeredReporting), run after the next command. */
  private heldReporting: (() => void) | undefined;
  private timers: TimerHandle[] = [];

  constructor(
    core: SwitchCore,
    socket: Socket,
    readonly session: Session,
    readonly mode: OutboundMode,
  ) {
    super(core, socket);
    this.timers.push(
      core.after(FIRST_COMMAND_TIMEOUT_MS, () => {
        if (!this.connected) this.destroy();
      }),
    );
  }

  get sessionUuid(): string {
    return this.session.channel.uuid;
  }

  /** The socket application may park: `connect` was answered and the client had a moment. */
  get ready(): boolean {
    return this.started;
  }

  get gone(): boolean {
    return this.closed;
  }

  disconnectNotice(): Buffer {
    return encodeDisconnectNotice({ uuid: this.sessionUuid });
  }

  override runsInline(session: Session): boolean {
    return !this.mode.async && session === this.session;
  }

  hungUp(): void {
    if (this.core.config.lingerNotice === 'after-hangup') this.sendLingerNotice();
  }

  parkEnded(): void {
    if (this.session.channel.up) return;
    if (this.lingerSeconds === undefined && this.core.config.races.unlingeredHangupComplete === 'lost') this.close(this.disconnectNotice());
    else if (this.core.config.lingerNotice === 'after-unpark') this.sendLingerNotice();
  }

  holdsReporting(resume: () => void): boolean {
    if (this.core.config.races.lingeredReporting !== 'after-controller-command' || !this.lingerNoticeSent || this.closed) return false;
    let done = false;
    const once = (): void => {
      if (done) return;
      done = true;
      this.heldReporting = undefined;
      resume();
    };
    this.heldReporting = once;
    this.timers.push(this.core.after(REPORTING_HOLD_MS, once));
    return true;
  }

  /**
   * The channel is gone: without linger, the disconnect notice right away; with linger, the
   * linger notice (if not yet sent) and the disconnect notice after the linger time.
   */
  channelDone(): void {
    if (this.closed) return;
    if (this.lingerSeconds === undefined) {
      this.close(this.disconnectNotice());
      return;
    }
    this.sendLingerNotice();
    if (this.lingerSeconds >= 0) this.timers.push(this.core.after(this.lingerSeconds * 1000, () => this.close(this.disconnectNotice())));
  }

  protected override onClosed(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
    this.heldReporting?.();
    if (this.resume && this.session.channel.up) {
      // The listener moves the leg on to the rest of its dialplan, which breaks a bridge (capture 08c).
      void this.session.transferTo([]);
    } else {
      this.session.poke();
    }
  }

  protected async handle(command: ParsedCommand): Promise<void> {
    const first = this.firstCommand;
    this.firstCommand = false;
    if (first && command.name !== 'connect') {
      // FreeSWITCH only answers a first command that is `connect`.
      this.core.logger.info(`simulator: outbound socket ${this.id}: first command ${JSON.stringify(command.name)} ignored`);
      return;
    }
    await this.dispatchCommand(command);
    this.heldReporting?.();
    if (command.name !== 'connect' && this.connected && this.parksAfter(command.name)) this.start();
  }

  private parksAfter(command: string): boolean {
    return this.core.config.races.socketPark !== 'at-first-sendmsg' || command === 'sendmsg';
  }

  private async dispatchCommand(command: ParsedCommand): Promise<void> {
    if (!this.mode.full && !WITHOUT_FULL.has(command.name)) {
      this.reply('-ERR command not found');
      return;
    }
    switch (command.name) {
      case 'connect':
        this.write(encodeConnectReply(this.core.factory.channelData(this.session.channel), this.mode.async ? 'async' : 'static', this.mode.full));
        if (!this.connected) {
          this.connected = true;
          if (this.core.config.races.socketPark === 'before-myevents') this.start();
          else this.timers.push(this.core.after(PARK_DELAY_MS, () => this.start()));
        }
        return;
      case 'myevents':
        this.myevents(command.rest);
        return;
      case 'linger':
        this.linger(command.rest);
        return;
      case 'nolinger':
        this.lingerSeconds = undefined;
        this.reply('+OK will not linger');
        return;
      case 'getvar':
        this.getvar(command.rest);
        return;
      case 'resume':
        this.resume = true;
        this.reply('+OK');
        return;
      case 'divert_events':
        this.reply(/^on$/i.test(command.rest) ? '+OK events diverted' : '+OK events not diverted');
        return;
      default: {
        const handler = SHARED_COMMANDS[command.name];
        if (handler) await handler(this, command);
        else this.reply('-ERR command not found');
      }
    }
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.session.poke();
  }

  private myevents(rest: string): void {
    if (this.subscription.myEvents !== undefined) {
      this.reply('-ERR aready enabled.');
      return;
    }
    const format = rest
      .split(/\s+/)
      .find((w) => /^(plain|json)$/i.test(w))
      ?.toLowerCase();
    if (format === 'plain' || format === 'json') this.subscription.format = format;
    this.enableMyEvents(this.sessionUuid);
    this.reply('+OK Events Enabled');
  }

  private linger(rest: string): void {
    const seconds = Number.parseInt(rest, 10);
    if (Number.isInteger(seconds) && seconds > 0) {
      this.lingerSeconds = seconds;
      this.reply(`+OK will linger ${seconds} seconds`);
    } else {
      this.lingerSeconds = -1;
      this.reply('+OK will linger');
    }
  }

  /** The raw value as Reply-Text; nothing for an unset variable (ESL-NOTES §3). */
  private getvar(name: string): void {
    const value = this.session.channel.getVar(name.trim());
    this.reply(value === undefined ? '-ERR command not found' : value.replace(/[\r\n]+/g, ' '));
  }

  private sendLingerNotice(): void {
    if (this.lingerNoticeSent || this.lingerSeconds === undefined || this.closed) return;
    this.lingerNoticeSent = true;
    this.write(encodeLingerNotice(this.sessionUuid, this.session.channel.name, this.lingerSeconds));
  }
}
