import { randomUUID } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { callLogger, type Logger } from '../log/logger';
import { systemClock, type Clock, type TimerHandle } from '../time/clock';
import { abortReason, onAbort } from './abort';
import { BackgroundJobs, parseCommandResult } from './background-jobs';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff';
import { EslConnection, type CommandTiming } from './connection';
import { originateCommand, type OriginateRequest } from './dial-string';
import { EslAuthFailed, EslCommandFailed, EslDisconnected, EslTimeout } from './errors';
import { Listeners, errorText } from './listeners';
import { subscriptionCommand } from './subscription';
import type { EslEvent } from './wire';

export type HealthState = 'connecting' | 'ready' | 'down';

/** What the call controller needs from every node: call progress, DTMF and our bgapi results. */
export const DEFAULT_INBOUND_EVENTS: readonly string[] = [
  'CHANNEL_CREATE',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_ANSWER',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'DTMF',
  'BACKGROUND_JOB',
];

export interface InboundClientOptions {
  name: string;
  host: string;
  port: number;
  password: string;
  logger: Logger;
  clock?: Clock;
  /** For jitter; tests pass a fixed one. */
  random?: () => number;
  backoff?: Partial<BackoffPolicy>;
  events?: readonly string[];
  customSubclasses?: readonly string[];
  /** TCP connect, auth/request, auth and subscription must each finish within this. */
  handshakeTimeoutMs?: number;
  /** For bgapi calls that do not pass their own timeout. */
  bgapiTimeoutMs?: number;
  /** Each command's wait for the connection and for its reply (the benchmark reports them). */
  onCommandTiming?: (timing: CommandTiming) => void;
}

/**
 * Commands on the inbound connection written ahead of their replies. Every call's commands share
 * this one connection (uuid_setvar for each outbound socket, bgapi originate, sched_hangup, …):
 * one at a time, each waited a round trip through both busy event loops, and at a few hundred
 * calls a second the waits added up to seconds (README, Benchmarks). FreeSWITCH still runs them
 * one after the other in the order sent, so nothing but the client's waiting changes. The window
 * is sized for ~3 commands per call at 300 calls/s with a round trip of up to ~250 ms through two
 * loaded processes (64 was still the limit at 2,000 calls); a command behind it can be aborted unsent.
 */
const INBOUND_PIPELINE_DEPTH = 256;

export interface CommandOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ApiOptions extends CommandOptions {
  /** Instead of `timeoutMs`: times out only while the node sends nothing at all (RequestOptions.quietTimeoutMs). */
  quietTimeoutMs?: number;
}

export interface BgapiOptions extends CommandOptions {
  /** Told when FreeSWITCH has taken the job, before its result. */
  onAccepted?: () => void;
}

type ClientEvents = {
  state: (state: HealthState, reason: string) => void;
  event: (event: EslEvent) => void;
};

/**
 * The inbound connection to one FreeSWITCH node (port 8021). It keeps itself connected:
 * after a drop it reconnects with backoff, authenticates and subscribes again. Background jobs
 * in flight when the connection drops fail at once with EslDisconnected instead of hanging:
 * their BACKGROUND_JOB may never come, and the caller has to reconcile by origination_uuid.
 */
export class InboundClient {
  readonly name: string;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly subscription: string;
  private readonly handshakeTimeoutMs: number;
  private readonly bgapiTimeoutMs: number;
  private readonly jobs: BackgroundJobs;
  private readonly listeners: Listeners<ClientEvents>;
  private connection: EslConnection | undefined;
  private current: HealthState = 'down';
  private started = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: TimerHandle | undefined;
  private connectSeq = 0;

  constructor(private readonly options: InboundClientOptions) {
    this.name = options.name;
    this.logger = callLogger(options.logger, { node: options.name });
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    const events = [...(options.events ?? DEFAULT_INBOUND_EVENTS)];
    if (!events.includes('BACKGROUND_JOB')) events.push('BACKGROUND_JOB');
    this.subscription = subscriptionCommand(events, options.customSubclasses ?? []);
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5_000;
    this.bgapiTimeoutMs = options.bgapiTimeoutMs ?? 120_000;
    this.jobs = new BackgroundJobs(this.clock);
    this.listeners = new Listeners(this.logger);
  }

  get state(): HealthState {
    return this.current;
  }

  /** Background jobs still waiting for their BACKGROUND_JOB. */
  get pendingJobs(): number {
    return this.jobs.size;
  }

  on<K extends keyof ClientEvents>(type: K, listener: ClientEvents[K]): () => void {
    return this.listeners.on(type, listener);
  }

  /** Starts connecting (and keeps reconnecting until close()). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.connectOnce();
  }

  /** Starts the client and resolves once it is authenticated and subscribed. */
  connect(options: CommandOptions = {}): Promise<void> {
    return this.ready(options);
  }

  /** Resolves when the client is ready; starts it if needed. */
  ready(options: CommandOptions = {}): Promise<void> {
    this.start();
    if (this.current === 'ready') return Promise.resolve();
    if (this.stopped) return Promise.reject(new EslDisconnected(this.name));
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    return new Promise<void>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const done = (error?: Error): void => {
        stopListening();
        detachAbort();
        timer?.cancel();
        if (error) reject(error);
        else resolve();
      };
      const stopListening = this.on('state', (state) => {
        if (state === 'ready') done();
        else if (this.stopped) done(new EslDisconnected(this.name));
      });
      const detachAbort = onAbort(options.signal, done);
      if (options.timeoutMs !== undefined) {
        const timeoutMs = options.timeoutMs;
        timer = this.clock.setTimeout(() => done(new EslTimeout('connect', timeoutMs)), timeoutMs);
      }
    });
  }

  /** `api <command>` (runs inline on FreeSWITCH, blocking this connection's events meanwhile). */
  async api(command: string, options: ApiOptions = {}): Promise<string> {
    const connection = this.readyConnection('api');
    const body = await connection.api(command, options);
    return parseCommandResult(command.split(' ', 1)[0] ?? command, body);
  }

  /**
   * `bgapi <command>` with our own Job-UUID; resolves with the BACKGROUND_JOB result.
   * `onAccepted` is told when FreeSWITCH has taken the job (its `+OK Job-UUID` reply).
   */
  bgapi(command: string, options: BgapiOptions & { label?: string } = {}): Promise<string> {
    const label = options.label ?? command.split(' ', 1)[0] ?? command;
    let connection: EslConnection;
    try {
      connection = this.readyConnection(label);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    const jobUuid = randomUUID();
    const waitOptions: { timeoutMs: number; signal?: AbortSignal } = { timeoutMs: options.timeoutMs ?? this.bgapiTimeoutMs };
    if (options.signal) waitOptions.signal = options.signal;
    // Registered before sending; the reply is handled without awaiting it so that every outcome
    // reaches the caller through this one promise.
    const result = this.jobs.wait(jobUuid, label, waitOptions);
    // The signal also drops the command if it is still queued, so an aborted originate is never sent.
    connection.request('command-reply', `bgapi ${command}`, { headers: { 'Job-UUID': jobUuid }, label: `bgapi ${label}`, signal: options.signal }).then(
      (reply) => {
        if (!reply.ok) {
          this.jobs.fail(jobUuid, new EslCommandFailed(label, reply.text.replace(/^-ERR\s?/, '')));
          return;
        }
        if (reply.headers.get('Job-UUID') !== jobUuid) {
          this.logger.warn('bgapi reply carries another Job-UUID', { sent: jobUuid, got: reply.headers.get('Job-UUID') });
        }
        options.onAccepted?.();
      },
      (error: Error) => this.jobs.fail(jobUuid, error),
    );
    return result.then((body) => parseCommandResult(label, body));
  }

  /**
   * `bgapi originate …`; resolves with the new leg's uuid once it is answered, or rejects with
   * EslCommandFailed carrying the hangup cause (`-ERR USER_BUSY`).
   */
  async originate(request: OriginateRequest, options: BgapiOptions = {}): Promise<string> {
    const command = originateCommand(request);
    const timeoutMs = options.timeoutMs ?? request.timeoutSec * 1000 + 15_000;
    const text = await this.bgapi(command, { ...options, timeoutMs, label: 'originate' });
    return text || request.uuid;
  }

  /** Stops reconnecting, says goodbye, and fails whatever is still pending. */
  async close(): Promise<void> {
    this.stopped = true;
    this.retryTimer?.cancel();
    const connection = this.connection;
    if (connection && !connection.isClosed) {
      await connection.command('exit', { timeoutMs: 1_000 }).catch(() => undefined);
      connection.close('client closed');
      await connection.closed;
    }
    this.jobs.failAll((label) => new EslDisconnected(this.name, label));
    this.setState('down', 'closed');
  }

  private readyConnection(label: string): EslConnection {
    if (this.current !== 'ready' || !this.connection || this.connection.isClosed) throw new EslDisconnected(this.name, label);
    return this.connection;
  }

  private setState(state: HealthState, reason: string): void {
    if (state === this.current) return;
    this.current = state;
    this.logger.info('ESL node state', { state, reason });
    this.listeners.emit('state', state, reason);
  }

  private async connectOnce(): Promise<void> {
    if (this.stopped) return;
    const seq = ++this.connectSeq;
    this.setState('connecting', this.attempt === 0 ? 'connecting' : `reconnect attempt ${this.attempt}`);
    let connection: EslConnection | undefined;
    try {
      const socket = await this.openSocket();
      connection = new EslConnection(socket, {
        name: `${this.name}#${seq}`,
        logger: this.logger,
        clock: this.clock,
        pipelineDepth: INBOUND_PIPELINE_DEPTH,
        onReply: this.options.onCommandTiming,
      });
      const authRequested = this.awaitAuthRequest(connection);
      connection.on('event', (event) => this.onEvent(event));
      await authRequested;
      const auth = await connection.request('command-reply', `auth ${this.options.password}`, { label: 'auth', timeoutMs: this.handshakeTimeoutMs });
      if (!auth.ok) throw new EslAuthFailed(this.name, auth.text);
      await connection.command(this.subscription, { timeoutMs: this.handshakeTimeoutMs, label: 'event' });
      if (this.stopped) throw new EslDisconnected(this.name, 'connect');
    } catch (error) {
      connection?.close(`handshake failed: ${errorText(error)}`);
      const level = error instanceof EslAuthFailed ? 'error' : 'warn';
      this.logger[level]('ESL connect failed', { error: errorText(error), attempt: this.attempt });
      this.scheduleReconnect(errorText(error));
      return;
    }
    this.connection = connection;
    this.attempt = 0;
    const ready = connection;
    void ready.closed.then((info) => this.onDrop(ready, info.reason));
    if (!ready.isClosed) this.setState('ready', 'authenticated and subscribed');
  }

  private openSocket(): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const socket = netConnect({ host: this.options.host, port: this.options.port });
      socket.setNoDelay(true);
      const timer = this.clock.setTimeout(() => {
        socket.destroy();
        reject(new EslTimeout('connect', this.handshakeTimeoutMs));
      }, this.handshakeTimeoutMs);
      socket.once('connect', () => {
        timer.cancel();
        socket.removeListener('error', onError);
        resolve(socket);
      });
      const onError = (error: Error): void => {
        timer.cancel();
        socket.destroy();
        reject(error);
      };
      socket.once('error', onError);
    });
  }

  private awaitAuthRequest(connection: EslConnection): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(new EslTimeout('auth/request', this.handshakeTimeoutMs)), this.handshakeTimeoutMs);
      connection.on('auth-request', () => {
        timer.cancel();
        resolve();
      });
      void connection.closed.then((info) => {
        timer.cancel();
        reject(new EslDisconnected(connection.name, `auth/request (${info.reason})`));
      });
    });
  }

  private onEvent(event: EslEvent): void {
    if (event.name === 'BACKGROUND_JOB') this.jobs.settle(event);
    this.listeners.emit('event', event);
  }

  private onDrop(connection: EslConnection, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.jobs.failAll((label) => new EslDisconnected(this.name, label));
    if (this.stopped) return;
    this.logger.warn('ESL connection lost', { reason });
    this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped) {
      this.setState('down', 'closed');
      return;
    }
    const delay = backoffDelay(this.backoff, this.attempt++, this.random);
    this.setState('down', reason);
    this.logger.info('ESL reconnect scheduled', { delayMs: delay, attempt: this.attempt });
    this.retryTimer = this.clock.setTimeout(() => void this.connectOnce(), delay);
  }
}
