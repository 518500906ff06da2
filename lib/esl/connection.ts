import type { Logger } from '../log/logger';
import { systemClock, type Clock, type TimerHandle } from '../time/clock';
import { abortReason, onAbort } from './abort';
import { CoalescedWrites } from './coalesced-writes';
import { EslCommandFailed, EslDisconnected, EslTimeout } from './errors';
import { Listeners, errorText } from './listeners';
import { EslProtocolError, FrameParser, encodeCommand, interpretFrame, type EslEvent, type EslFrame, type EslMessage } from './wire';

/** The part of net.Socket a connection uses; tests drive a fake one byte by byte. */
export interface EslTransport {
  write(data: Buffer): boolean;
  destroy(error?: Error): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  readonly destroyed: boolean;
}

export type ReplyKind = 'command-reply' | 'api-response' | 'channel-data';
export type ReplyOf<K extends ReplyKind> = Extract<EslMessage, { kind: K }>;
export type CommandReply = ReplyOf<'command-reply'>;
export type DisconnectNotice = Extract<EslMessage, { kind: 'disconnect-notice' }>;

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Rejects the caller with EslTimeout; the reply, when it comes, is still consumed in order. */
  timeoutMs?: number;
  /**
   * Rejects the caller with EslTimeout once the peer has sent nothing at all for this long while
   * the command waits: a link that keeps answering other commands (or sending events) is busy,
   * not gone, and is waited for however long its queue is. Decided after the loop has read what
   * came meanwhile, so a long turn of ours does not count as the peer's silence.
   */
  quietTimeoutMs?: number;
  /** How the command appears in logs and errors; defaults to its first word (never `auth <password>`). */
  label?: string;
  /**
   * Written at once, whatever the pipeline window: for a batch of commands none of which depends
   * on an earlier one's reply (FreeSWITCH still answers each in order). A command behind it that
   * is not pipelined waits for the window as usual.
   */
  pipelined?: boolean;
}

export interface CloseInfo {
  reason: string;
  error?: Error;
}

type ConnectionEvents = {
  event: (event: EslEvent) => void;
  notice: (notice: DisconnectNotice) => void;
  'auth-request': () => void;
  close: (info: CloseInfo) => void;
};

/** How long a command waited to be written, then for its reply, by the connection's clock. */
export interface CommandTiming {
  label: string;
  queuedMs: number;
  wireMs: number;
}

interface Pending {
  label: string;
  pipelined: boolean;
  queuedAt: number;
  writtenAt: number;
  expect: ReplyKind;
  bytes: Buffer;
  /** The caller gave up (abort/timeout) after the command was written; its reply is still ours. */
  abandoned: boolean;
  resolve(message: EslMessage): void;
  reject(error: Error): void;
}

export interface EslConnectionOptions {
  name: string;
  logger: Logger;
  clock?: Clock;
  /**
   * Commands written and not yet answered, at most (default 1: the next is written once the
   * previous reply arrived). More saves a round trip per command on a busy connection; a command
   * still waiting behind the window can be aborted without ever being sent.
   */
  pipelineDepth?: number;
  /** Called with each reply's timing: to tell a connection that is the bottleneck from a slow peer. */
  onReply?: (timing: CommandTiming) => void;
}

/**
 * One ESL connection. FreeSWITCH reads a connection's commands one after the other and answers
 * each in order (`mes.c read_packet` reads the socket up to each command's end), so up to
 * `pipelineDepth` commands may be written before the first reply, and each reply belongs to the
 * oldest command written and not yet answered. A reply with nothing in flight, or of the wrong
 * kind, means the stream and our state disagree; instead of handing it to the next caller
 * (modesl #72) the connection is closed.
 */
export class EslConnection {
  readonly name: string;
  readonly closed: Promise<CloseInfo>;
  private readonly parser = new FrameParser();
  /** The commands pump() let through in this tick, written together. */
  private readonly writes: CoalescedWrites;
  /** Not written yet. */
  private readonly queue: Pending[] = [];
  /** Written, oldest first: the next reply is the first one's. */
  private readonly inFlight: Pending[] = [];
  private readonly pipelineDepth: number;
  private readonly onReply: ((timing: CommandTiming) => void) | undefined;
  private closeInfo: CloseInfo | undefined;
  private resolveClosed!: (info: CloseInfo) => void;
  private readonly listeners: Listeners<ConnectionEvents>;
  private readonly logger: Logger;
  private readonly clock: Clock;
  /** When the peer last sent anything. */
  private heardAt: number;

  constructor(
    private readonly transport: EslTransport,
    options: EslConnectionOptions,
  ) {
    this.name = options.name;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.pipelineDepth = Math.max(1, options.pipelineDepth ?? 1);
    this.heardAt = this.clock.now();
    this.onReply = options.onReply;
    this.listeners = new Listeners(this.logger);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.writes = new CoalescedWrites((bytes) => this.writeNow(bytes));
    transport.on('data', (chunk) => this.onData(chunk));
    // 'end' alone misses a TCP reset (modesl #84): a reset gives 'error' then 'close', no 'end'.
    transport.on('end', () => this.shutdown({ reason: 'peer closed the connection' }));
    transport.on('error', (error) => this.shutdown({ reason: `socket error: ${error.message}`, error }));
    transport.on('close', () => this.shutdown({ reason: 'socket closed' }));
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Commands written or waiting to be written. */
  get pendingCommands(): number {
    return this.queue.length + this.inFlight.length;
  }

  on<K extends keyof ConnectionEvents>(type: K, listener: ConnectionEvents[K]): () => void {
    return this.listeners.on(type, listener);
  }

  /** Sends a command and resolves with its reply, whatever its text (`-ERR` included). */
  request<K extends ReplyKind>(expect: K, command: string, options: RequestOptions = {}): Promise<ReplyOf<K>> {
    const label = options.label ?? command.split(' ', 1)[0] ?? command;
    if (this.closeInfo) return Promise.reject(new EslDisconnected(this.name, label));
    let bytes: Buffer;
    try {
      bytes = encodeCommand(command, options.headers, options.body);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return new Promise<ReplyOf<K>>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      let detachAbort: () => void = () => undefined;
      let finished = false;
      const finish = (): void => {
        finished = true;
        timer?.cancel();
        detachAbort();
      };
      const pending: Pending = {
        label,
        pipelined: options.pipelined ?? false,
        queuedAt: this.clock.now(),
        writtenAt: 0,
        expect,
        bytes,
        abandoned: false,
        resolve: (message) => {
          finish();
          if (!pending.abandoned) resolve(message as ReplyOf<K>);
        },
        reject: (error) => {
          finish();
          if (!pending.abandoned) reject(error);
        },
      };
      const giveUp = (error: Error): void => {
        if (pending.abandoned) return;
        finish();
        const index = this.queue.indexOf(pending);
        // Not written yet: forget it. Written: keep its slot so its reply is consumed, not shifted.
        if (index >= 0) this.queue.splice(index, 1);
        pending.abandoned = true;
        reject(error);
      };
      if (options.signal?.aborted) {
        reject(abortReason(options.signal));
        return;
      }
      detachAbort = onAbort(options.signal, giveUp);
      if (options.timeoutMs !== undefined) {
        const timeoutMs = options.timeoutMs;
        timer = this.clock.setTimeout(() => giveUp(new EslTimeout(label, timeoutMs)), timeoutMs);
      } else if (options.quietTimeoutMs !== undefined) {
        const quietMs = options.quietTimeoutMs;
        const check = (): void => {
          // In the check phase: after the poll phase has read what the peer sent during our turn.
          setImmediate(() => {
            if (finished) return;
            const due = Math.max(this.heardAt, pending.queuedAt) + quietMs;
            const now = this.clock.now();
            if (now >= due) giveUp(new EslTimeout(label, quietMs));
            else timer = this.clock.setTimeout(check, due - now);
          });
        };
        timer = this.clock.setTimeout(check, quietMs);
      }
      this.queue.push(pending);
      this.pump();
    });
  }

  /** A command whose `-ERR` reply is a failure (EslCommandFailed). */
  async command(command: string, options: RequestOptions = {}): Promise<CommandReply> {
    const reply = await this.request('command-reply', command, options);
    if (!reply.ok) throw new EslCommandFailed(options.label ?? command.split(' ', 1)[0] ?? command, stripErr(reply.text));
    return reply;
  }

  /** `api …`: the body FreeSWITCH returned (the command runs inline on FreeSWITCH's listener thread). */
  async api(command: string, options: Omit<RequestOptions, 'headers' | 'body'> = {}): Promise<string> {
    const reply = await this.request('api-response', `api ${command}`, { label: `api ${command.split(' ', 1)[0] ?? ''}`, ...options });
    return reply.body;
  }

  /** Closes the socket now; pending commands reject with EslDisconnected. */
  close(reason = 'closed by us'): void {
    this.shutdown({ reason });
  }

  /**
   * Lets commands through the pipeline window. They count as written (in flight: the next replies
   * are theirs) from here; their bytes go out with the others of this tick, in the same order.
   */
  private pump(): void {
    const now = this.clock.now();
    for (let next = this.queue[0]; next && !this.closeInfo && (next.pipelined || this.inFlight.length < this.pipelineDepth); next = this.queue[0]) {
      this.queue.shift();
      next.writtenAt = now;
      this.inFlight.push(next);
      this.writes.push(next.bytes);
    }
  }

  private writeNow(bytes: Buffer): void {
    if (this.closeInfo) return;
    try {
      this.transport.write(bytes);
    } catch (error) {
      this.shutdown({ reason: `write failed: ${errorText(error)}`, error: error as Error });
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closeInfo) return;
    this.heardAt = this.clock.now();
    let frames: EslFrame[];
    let failure: { error: unknown } | undefined;
    try {
      frames = this.parser.push(chunk);
    } catch (error) {
      // The frames before the bad bytes count, however TCP happened to split the stream.
      frames = error instanceof EslProtocolError ? error.framesBefore : [];
      failure = { error };
    }
    for (const frame of frames) {
      if (this.closeInfo) return;
      let message: EslMessage;
      try {
        message = interpretFrame(frame);
      } catch (error) {
        this.protocolError(error);
        return;
      }
      this.dispatch(message);
    }
    if (failure && !this.closeInfo) this.protocolError(failure.error);
  }

  private dispatch(message: EslMessage): void {
    switch (message.kind) {
      case 'command-reply':
      case 'api-response':
      case 'channel-data':
        this.settle(message);
        return;
      case 'event':
        this.listeners.emit('event', message.event);
        return;
      case 'disconnect-notice':
        this.listeners.emit('notice', message);
        return;
      case 'auth-request':
        this.listeners.emit('auth-request');
        return;
      case 'rude-rejection':
        this.shutdown({ reason: `rejected by FreeSWITCH ACL: ${message.text.trim()}` });
        return;
      case 'log':
        this.logger.debug('FreeSWITCH log', { conn: this.name, text: message.text.trim() });
        return;
    }
  }

  private settle(message: ReplyOf<ReplyKind>): void {
    const pending = this.inFlight[0];
    if (!pending) {
      this.protocolError(new EslProtocolError(`unsolicited ${message.kind} ${describeReply(message)}`));
      return;
    }
    if (pending.expect !== message.kind) {
      this.protocolError(new EslProtocolError(`expected ${pending.expect} for "${pending.label}", got ${message.kind} ${describeReply(message)}`));
      return;
    }
    this.inFlight.shift();
    this.onReply?.({ label: pending.label, queuedMs: pending.writtenAt - pending.queuedAt, wireMs: this.clock.now() - pending.writtenAt });
    pending.resolve(message);
    this.pump();
  }

  private protocolError(error: unknown): void {
    const text = errorText(error);
    this.logger.error('ESL protocol error; closing the connection', { conn: this.name, error: text });
    this.shutdown({ reason: `protocol error: ${text}`, error: error instanceof Error ? error : new Error(text) });
  }

  private shutdown(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    const leftover = this.parser.buffered;
    const fields: Record<string, unknown> = { conn: this.name, reason: info.reason };
    if (leftover > 0) fields.unparsedBytes = leftover;
    if (info.error || leftover > 0) this.logger.warn('ESL connection closed', fields);
    else this.logger.debug('ESL connection closed', fields);
    // Commands not written yet fail with the others rather than reach a socket being closed.
    this.writes.discard();
    const pending = [...this.inFlight.splice(0), ...this.queue.splice(0)];
    for (const request of pending) request.reject(new EslDisconnected(this.name, request.label, info.error ? { cause: info.error } : undefined));
    if (!this.transport.destroyed) this.transport.destroy();
    this.listeners.emit('close', info);
    this.listeners.clear();
    this.resolveClosed(info);
  }
}

function describeReply(message: ReplyOf<ReplyKind>): string {
  if (message.kind === 'command-reply') return JSON.stringify(message.text.slice(0, 80));
  if (message.kind === 'api-response') return JSON.stringify(message.body.slice(0, 80));
  return `for ${message.channel.headers.get('Unique-ID') ?? '?'}`;
}

export function stripErr(text: string): string {
  return text.replace(/^-ERR\s?/, '').trim();
}
