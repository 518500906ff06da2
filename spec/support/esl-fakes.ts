/**
 * Test doubles for this layer: a fake transport to feed a connection bytes (and resets) by hand,
 * a tiny FreeSWITCH inbound peer over real TCP, event builders and a log recorder. Built from the
 * wire encoders so they speak exactly what FreeSWITCH (and the simulator) speak. Not used in
 * production code paths.
 */
import { EventEmitter } from 'node:events';
import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import winston from 'winston';
import type { Logger } from '../../lib/log/logger';
import type { EslTransport } from '../../lib/esl/connection';
import {
  EslHeaders,
  FrameParser,
  encodeApiResponse,
  encodeAuthRequest,
  encodeCommandReply,
  encodeConnectReply,
  encodeDisconnectNotice,
  encodeEventFrame,
  encodeLingerNotice,
  type EslFrame,
} from '../../lib/esl/wire';

export class FakeTransport extends EventEmitter implements EslTransport {
  destroyed = false;
  readonly commands: EslFrame[] = [];
  private readonly parser = new FrameParser({ commands: true });

  write(data: Buffer): boolean {
    if (this.destroyed) return false;
    for (const frame of this.parser.push(data)) {
      this.commands.push(frame);
      this.emit('command', frame);
    }
    return true;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    setImmediate(() => this.emit('close'));
  }

  /** Bytes from "FreeSWITCH". */
  receive(bytes: Buffer | string): void {
    this.emit('data', Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'));
  }

  /** A TCP reset: 'error' then 'close', never 'end' (what modesl 1.2.1 waits for). */
  resetByPeer(): void {
    this.destroyed = true;
    this.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    this.emit('close');
  }

  endByPeer(): void {
    this.emit('end');
    this.destroy();
  }

  commandLines(): string[] {
    return this.commands.map((frame) => frame.command ?? '');
  }

  /** Replies to every command with `reply(frame)`, asynchronously, as a socket would. */
  autoReply(reply: (frame: EslFrame) => Buffer | undefined): void {
    this.on('command', (frame: EslFrame) => {
      const bytes = reply(frame);
      if (bytes) setImmediate(() => this.receive(bytes));
    });
  }
}

export interface LogRecord {
  level: string;
  message: string;
  [field: string]: unknown;
}

/** A logger that keeps what it is given, to assert that a failure was logged. */
export function memoryLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const stream = new Writable({
    objectMode: true,
    write(info: LogRecord, _encoding, callback) {
      records.push({ ...info });
      callback();
    },
  });
  const logger = winston.createLogger({ level: 'debug', transports: [new winston.transports.Stream({ stream })] });
  return { logger, records };
}

export function eventHeaders(name: string, uuid: string | undefined, extra: Record<string, string | number | undefined> = {}): EslHeaders {
  return EslHeaders.from({ 'Event-Name': name, 'Core-UUID': 'core-0', 'Unique-ID': uuid, ...extra });
}

export function eventBytes(name: string, uuid: string | undefined, extra: Record<string, string | number | undefined> = {}, body?: string): Buffer {
  const headers = eventHeaders(name, uuid, extra);
  return encodeEventFrame(body === undefined ? { name, headers } : { name, headers, body }, 'plain');
}

export function connectReplyBytes(uuid: string, extra: Record<string, string | number | undefined> = {}): Buffer {
  return encodeConnectReply(
    EslHeaders.from({
      'Event-Name': 'CHANNEL_DATA',
      'Channel-Caller-ID-Number': '79261234567',
      'Channel-Destination-Number': '8000',
      'Channel-Unique-ID': uuid,
      'Channel-Name': 'sofia/internal/79261234567@127.0.0.1',
      'Unique-ID': uuid,
      'Answer-State': 'ringing',
      'Caller-Caller-ID-Number': '79261234567',
      'Caller-Destination-Number': '8000',
      variable_uuid: uuid,
      ...extra,
    }),
    'async',
    true,
  );
}

export const reply = {
  ok: (text = '+OK'): Buffer => encodeCommandReply(text),
  err: (text: string): Buffer => encodeCommandReply(`-ERR ${text}`),
  api: (body: string): Buffer => encodeApiResponse(body),
  bye: (uuid?: string): Buffer => Buffer.concat([encodeCommandReply('+OK bye'), encodeDisconnectNotice(uuid ? { uuid } : undefined)]),
  linger: (uuid: string): Buffer => encodeLingerNotice(uuid, 'sofia/internal/test', -1),
};

/** Polls (without real sleeps beyond a tick) until `check` holds; for loopback TCP I/O. */
export async function waitUntil(check: () => boolean, what = 'condition', limitMs = 2_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export interface FakeInboundPeer {
  socket: Socket;
  commands: EslFrame[];
  send(bytes: Buffer): void;
}

/**
 * A FreeSWITCH inbound port (8021) that authenticates and subscribes like the real one and hands
 * every other command to `onCommand`. Tracks its connections so tests can cut them.
 */
export class FakeInboundServer {
  readonly peers: FakeInboundPeer[] = [];
  onCommand: (frame: EslFrame, peer: FakeInboundPeer) => void = () => undefined;
  private readonly server: Server;

  private constructor(private readonly password: string) {
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(password = 'ClueCon'): Promise<FakeInboundServer> {
    const fake = new FakeInboundServer(password);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  /** Every command line received, across connections, in order. */
  commandLines(): string[] {
    return this.peers.flatMap((peer) => peer.commands.map((frame) => frame.command ?? ''));
  }

  async stop(): Promise<void> {
    for (const peer of this.peers) peer.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const parser = new FrameParser({ commands: true });
    const peer: FakeInboundPeer = {
      socket,
      commands: [],
      send: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
    };
    this.peers.push(peer);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      for (const frame of parser.push(chunk)) {
        peer.commands.push(frame);
        this.handle(frame, peer);
      }
    });
    peer.send(encodeAuthRequest());
  }

  private handle(frame: EslFrame, peer: FakeInboundPeer): void {
    const command = frame.command ?? '';
    if (command.startsWith('auth ')) {
      if (command === `auth ${this.password}`) peer.send(reply.ok('+OK accepted'));
      else {
        peer.send(Buffer.concat([reply.err('invalid'), encodeDisconnectNotice()]));
        peer.socket.end();
      }
    } else if (command.startsWith('event ')) {
      peer.send(reply.ok(`+OK event listener enabled ${command.split(' ')[1] ?? 'plain'}`));
    } else if (command === 'exit') {
      peer.send(reply.bye());
      peer.socket.end();
    } else {
      this.onCommand(frame, peer);
    }
  }
}

/**
 * FreeSWITCH's side of one outbound-socket call connecting to our server: answers the handshake
 * and sendmsg like FreeSWITCH, and plays a hangup (HANGUP, HANGUP_COMPLETE, linger notice) when
 * asked to hang up.
 */
export class FakeOutboundCall {
  readonly commands: EslFrame[] = [];
  /** What `getvar` answers; anything else is unset. */
  readonly variables = new Map<string, string>();
  /** False plays a peer that acknowledges a hangup but never reports it. */
  confirmsHangup = true;
  private readonly parser = new FrameParser({ commands: true });
  private commandWaiters: Array<() => void> = [];

  private constructor(
    readonly socket: Socket,
    readonly uuid: string,
  ) {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      for (const frame of this.parser.push(chunk)) {
        this.commands.push(frame);
        this.handle(frame);
        for (const wake of this.commandWaiters.splice(0)) wake();
      }
    });
  }

  /** `connectVariables` go into the connect reply (`variable_callback_request_id`, …); `localAddress` binds our end. */
  static connect(port: number, uuid: string, options: { connectVariables?: Record<string, string>; localAddress?: string } = {}): Promise<FakeOutboundCall> {
    return new Promise((resolve, reject) => {
      const target = { host: '127.0.0.1', port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) };
      const socket = connectTcp(target, () => {
        const call = new FakeOutboundCall(socket, uuid);
        call.connectVariables = options.connectVariables ?? {};
        resolve(call);
      });
      socket.once('error', reject);
    });
  }

  private connectVariables: Record<string, string> = {};

  /** Resolves once our socket is closed (by the server, or by us). */
  get closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  commandLines(): string[] {
    return this.commands.map((frame) => frame.command ?? '');
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** The far end hangs up: what FreeSWITCH sends on a lingering socket. */
  hangup(cause = 'NORMAL_CLEARING'): void {
    this.send(
      Buffer.concat([
        eventBytes('CHANNEL_HANGUP', this.uuid, { 'Answer-State': 'hangup', 'Hangup-Cause': cause }),
        reply.linger(this.uuid),
        eventBytes('CHANNEL_HANGUP_COMPLETE', this.uuid, { 'Answer-State': 'hangup', 'Hangup-Cause': cause, variable_hangup_cause: cause }),
      ]),
    );
  }

  async waitFor(check: (frame: EslFrame) => boolean, limitMs = 2_000): Promise<EslFrame> {
    const started = Date.now();
    for (;;) {
      const found = this.commands.find(check);
      if (found) return found;
      if (Date.now() - started > limitMs) throw new Error(`fake call ${this.uuid}: command not received`);
      await new Promise<void>((resolve) => {
        this.commandWaiters.push(resolve);
        setTimeout(resolve, 5);
      });
    }
  }

  private handle(frame: EslFrame): void {
    const command = frame.command ?? '';
    if (command === 'connect') this.send(connectReplyBytes(this.uuid, this.connectVariables));
    else if (command.startsWith('getvar ')) this.send(reply.ok(this.variables.get(command.slice('getvar '.length)) ?? '-ERR command not found'));
    else if (command === 'myevents') this.send(reply.ok('+OK Events Enabled'));
    else if (command === 'linger') this.send(reply.ok('+OK will linger'));
    else if (command.startsWith('event ')) this.send(reply.ok('+OK event listener enabled plain'));
    else if (command === 'exit') {
      this.send(reply.bye(this.uuid));
      this.socket.end();
    } else if (command === 'sendmsg') {
      this.send(reply.ok());
      if (frame.headers.get('call-command') === 'hangup' && this.confirmsHangup) this.hangup(frame.headers.get('hangup-cause') ?? 'NORMAL_CLEARING');
    } else if (command.startsWith('api ')) this.send(reply.api('+OK\n'));
  }
}
