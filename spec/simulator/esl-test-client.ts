import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeCommand, FrameParser, interpretFrame, type EslEvent, type EslFrame, type EslMessage } from '../../lib/esl/wire';

type Predicate = (message: EslMessage) => boolean;
type Reply = Extract<EslMessage, { kind: 'command-reply' | 'api-response' | 'channel-data' }>;
type Notice = Extract<EslMessage, { kind: 'disconnect-notice' }>;

const REPLY_KINDS = new Set(['command-reply', 'api-response', 'channel-data']);
const DEFAULT_TIMEOUT_MS = 3000;

/**
 * A raw ESL client for tests, built on the wire layer: sends commands, collects every frame in
 * arrival order, and waits for replies, events and notices with their own cursors, so waiting
 * for a reply never skips an event a later assertion wants.
 */
export class EslTestClient {
  readonly frames: EslFrame[] = [];
  readonly messages: EslMessage[] = [];
  readonly closed: Promise<void>;
  private readonly parser = new FrameParser();
  private replyCursor = 0;
  private eventCursor = 0;
  private noticeCursor = 0;
  private waiters: Array<() => void> = [];
  private ended = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.parser.push(chunk)) {
        this.frames.push(frame);
        this.messages.push(interpretFrame(frame));
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<EslTestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new EslTestClient(socket)));
      socket.once('error', reject);
    });
  }

  /** An inbound client that has read auth/request and authenticated. */
  static async authed(port: number, password = 'ClueCon'): Promise<EslTestClient> {
    const client = await EslTestClient.connect(port);
    await client.next((m) => m.kind === 'auth-request');
    const reply = await client.request(`auth ${password}`);
    if (reply.kind !== 'command-reply' || !reply.ok) throw new Error(`auth failed: ${JSON.stringify(reply)}`);
    return client;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  send(command: string, headers: Record<string, string> = {}, body?: string): void {
    this.socket.write(encodeCommand(command, headers, body));
  }

  sendRaw(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a command and waits for its reply (replies come in command order). */
  async request(command: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
    this.send(command, headers, body);
    return this.reply();
  }

  async api(command: string): Promise<string> {
    const reply = await this.request(`api ${command}`);
    if (reply.kind !== 'api-response') throw new Error(`not an api/response: ${JSON.stringify(reply)}`);
    return reply.body;
  }

  async replyText(command: string, headers: Record<string, string> = {}, body?: string): Promise<string> {
    const reply = await this.request(command, headers, body);
    if (reply.kind !== 'command-reply') throw new Error(`not a command/reply: ${JSON.stringify(reply)}`);
    return reply.text;
  }

  async reply(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Reply> {
    const found = await this.search('replyCursor', (m) => REPLY_KINDS.has(m.kind), timeoutMs, 'a reply');
    return found as Reply;
  }

  /** The next event (after the previous one waited for) that matches. */
  async event(match: string | ((event: EslEvent) => boolean), timeoutMs = DEFAULT_TIMEOUT_MS): Promise<EslEvent> {
    const test = typeof match === 'string' ? (e: EslEvent) => e.name === match : match;
    const found = await this.search('eventCursor', (m) => m.kind === 'event' && test(m.event), timeoutMs, `event ${String(match)}`);
    if (found.kind !== 'event') throw new Error('unreachable');
    return found.event;
  }

  async notice(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Notice> {
    const found = await this.search('noticeCursor', (m) => m.kind === 'disconnect-notice', timeoutMs, 'a disconnect notice');
    return found as Notice;
  }

  /** The first message of any kind that matches, searching from the start. */
  async next(predicate: Predicate, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<EslMessage> {
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      await this.arrival(timeoutMs, 'a matching message');
    }
  }

  events(): EslEvent[] {
    return this.messages.flatMap((m) => (m.kind === 'event' ? [m.event] : []));
  }

  eventNames(uuid?: string): string[] {
    return this.events()
      .filter((e) => uuid === undefined || e.headers.get('Unique-ID') === uuid)
      .map((e) => e.name);
  }

  /** Lets whatever is in flight arrive: resolves once nothing new came for `quietMs`. */
  async settle(quietMs = 30): Promise<void> {
    for (;;) {
      const count = this.messages.length;
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      if (this.messages.length === count) return;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private async search(cursor: 'replyCursor' | 'eventCursor' | 'noticeCursor', predicate: Predicate, timeoutMs: number, what: string): Promise<EslMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this[cursor]; i < this.messages.length; i++) {
        const message = this.messages[i] as EslMessage;
        if (predicate(message)) {
          this[cursor] = i + 1;
          return message;
        }
      }
      await this.arrival(deadline - Date.now(), what);
    }
  }

  private arrival(timeoutMs: number, what: string): Promise<void> {
    if (this.ended) return Promise.reject(new Error(`connection closed while waiting for ${what}; got ${this.describe()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${this.describe()}`)), Math.max(0, timeoutMs));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private describe(): string {
    return this.messages
      .map((m) => (m.kind === 'event' ? m.event.name : m.kind === 'command-reply' ? `reply(${m.text})` : m.kind))
      .join(', ');
  }
}

/** Our side of outbound sockets: a TCP server the simulator's socket application connects to. */
export class OutboundServer {
  private readonly accepted: EslTestClient[] = [];
  private claimed = 0;
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => {
      this.accepted.push(new EslTestClient(socket));
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
  }

  static listen(): Promise<OutboundServer> {
    const server = createServer();
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(new OutboundServer(server))));
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  get connections(): readonly EslTestClient[] {
    return this.accepted;
  }

  /** The next connection the simulator made that no test has taken yet, once it has arrived. */
  async accept(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<EslTestClient> {
    const index = this.claimed++;
    const deadline = Date.now() + timeoutMs;
    while (this.accepted.length <= index) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no outbound socket connection arrived')), Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.accepted[index] as EslTestClient;
  }

  async close(): Promise<void> {
    for (const client of this.accepted) client.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
