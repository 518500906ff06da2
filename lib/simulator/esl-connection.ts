import type { Socket } from 'node:net';
import { CoalescedWrites } from '../esl/coalesced-writes';
import { encodeCommandReply, FrameParser, type EslFrame } from '../esl/wire';
import type { EventSink, SwitchCore } from './core';
import type { EventFrames } from './event-frames';
import type { Session } from './session';
import { Subscription } from './subscription';
import type { ConnectionInfo } from './types';

let nextConnectionId = 1;

export interface ParsedCommand {
  /** The command word, lower-cased (FreeSWITCH matches commands case-insensitively). */
  readonly name: string;
  /** Everything after the command word, trimmed. */
  readonly rest: string;
  readonly frame: EslFrame;
}

/**
 * What inbound and outbound ESL connections share: framing of client commands through the wire
 * layer's FrameParser, commands handled one at a time in arrival order, event delivery through
 * the connection's Subscription, and holding events back while an `api` runs, since FreeSWITCH
 * runs `api` on the listener thread and delivers nothing meanwhile (ESL-NOTES §2).
 */
export abstract class EslConnection implements EventSink {
  readonly id = nextConnectionId++;
  readonly subscription = new Subscription();
  abstract readonly kind: 'inbound' | 'outbound';
  protected closed = false;
  private readonly parser = new FrameParser({ commands: true });
  /** FreeSWITCH writes each frame as it comes; one write per event-loop turn is what keeps a busy simulator cheap. */
  private readonly writes: CoalescedWrites;
  private chain: Promise<void> = Promise.resolve();
  private holds = 0;
  private held: Buffer[] = [];
  private closeHandled = false;

  constructor(
    readonly core: SwitchCore,
    protected readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    this.writes = new CoalescedWrites((bytes) => {
      if (socket.writable) socket.write(bytes);
    }, 'loop-turn');
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.core.logger.debug(`simulator: ESL connection ${this.id}: ${error.message}`));
    socket.on('close', () => this.handleClose());
    core.addSink(this);
    core.connections.add(this);
    // A socket handed over after it already closed (the controller hung up between the TCP
    // connect and the socket application starting) will not emit 'close' again.
    if (socket.destroyed) setImmediate(() => this.handleClose());
  }

  abstract get sessionUuid(): string | undefined;

  /** What `exit` sends before closing (outbound sockets name their session). */
  abstract disconnectNotice(): Buffer;

  /** Whether `sendmsg` to this session runs inline, its `+OK` after the application (static outbound mode). */
  runsInline(_session: Session): boolean {
    return false;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  info(): ConnectionInfo {
    return { id: this.id, kind: this.kind, sessionUuid: this.sessionUuid, remoteAddress: this.socket.remoteAddress };
  }

  wants(name: string): boolean {
    return !this.closed && this.subscription.wants(name);
  }

  deliver(fired: EventFrames): void {
    if (this.closed || !this.subscription.accepts(fired.event)) return;
    const frame = fired.frame(this.subscription.format);
    if (this.holds > 0) this.held.push(frame);
    else this.write(frame);
  }

  reply(text: string, extra: Record<string, string> = {}): void {
    this.write(encodeCommandReply(text, extra));
  }

  /**
   * Runs `work` with event delivery held back; its frame goes out first, then the held events,
   * then `after` runs (whatever it fires reaches the client behind the reply).
   */
  async holdingEvents(work: () => Promise<{ frame: Buffer; after?: () => void }>): Promise<void> {
    this.holds++;
    let result: { frame: Buffer; after?: () => void } | undefined;
    try {
      result = await work();
      this.write(result.frame);
    } finally {
      this.holds--;
      if (this.holds === 0) {
        const held = this.held;
        this.held = [];
        for (const frame of held) this.write(frame);
      }
    }
    result.after?.();
  }

  /** Sends `notice` (if any) and closes our side once it is flushed. */
  close(notice?: Buffer): void {
    if (this.closed) return;
    if (notice) this.writes.push(notice);
    this.writes.flush();
    this.markClosed();
    this.socket.end();
  }

  /** Drops the connection; what was written before still goes out first, as it did one write at a time. */
  destroy(): void {
    if (this.closed && this.socket.destroyed) return;
    this.writes.flush();
    this.markClosed();
    this.socket.destroy();
  }

  protected write(buffer: Buffer): void {
    if (!this.closed && this.socket.writable) this.writes.push(buffer);
  }

  /** `myevents <uuid>`: from now on only that channel's events (and its jobs') are offered to this connection. */
  protected enableMyEvents(uuid: string): void {
    this.subscription.enableMyEvents(uuid);
    this.core.bindSink(this, uuid);
  }

  protected abstract handle(command: ParsedCommand): Promise<void>;

  /** The TCP connection is gone, whoever closed it. */
  protected onClosed(): void {}

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: EslFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (error) {
      // Nothing after a framing error can be trusted; FreeSWITCH drops such a client too.
      this.core.logger.warn(`simulator: closing ESL connection ${this.id} after a malformed frame: ${(error as Error).message}`);
      this.destroy();
      return;
    }
    for (const frame of frames) {
      this.chain = this.chain
        .then(() => this.dispatch(frame))
        .catch((error: unknown) => {
          this.core.logger.error(`simulator: ESL connection ${this.id}: ${(error as Error).stack ?? String(error)}`);
        });
    }
  }

  private async dispatch(frame: EslFrame): Promise<void> {
    if (this.closed) return;
    const line = (frame.command ?? '').trim();
    const space = line.search(/\s/);
    const name = (space < 0 ? line : line.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : line.slice(space + 1).trim();
    this.core.onCommand?.(this.info(), line);
    await this.handle({ name, rest, frame });
  }

  private markClosed(): void {
    this.closed = true;
    this.core.removeSink(this);
    this.core.connections.delete(this);
  }

  private handleClose(): void {
    if (this.closeHandled) return;
    this.closeHandled = true;
    this.markClosed();
    this.onClosed();
  }
}
