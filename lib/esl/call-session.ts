import { randomUUID } from 'node:crypto';
import { callLogger, type Logger } from '../log/logger';
import { systemClock, type Clock, type TimerHandle } from '../time/clock';
import { abortReason, onAbort } from './abort';
import {
  conferenceName,
  dtmfDigits,
  durationText,
  moneyText,
  playAndGetDigitsArg,
  sayArg,
  transferArg,
  word,
  type PlayAndGetDigitsOptions,
  type SayOptions,
} from './app-args';
import type { EslConnection } from './connection';
import { dtmfStream } from './dtmf-stream';
import { ChannelVariables } from './channel-variables';
import { checkVariableName } from './dial-string';
import { CallEnded, EslCommandFailed, EslDisconnected, EslInvalidArgument, type CallEndReason } from './errors';
import { parseHangupCause, type HangupCause } from './hangup-causes';
import { Listeners, errorText } from './listeners';
import { PendingStep, type Waiter } from './pending-step';
import type { EslEvent } from './wire';

export interface StepOptions {
  signal?: AbortSignal;
}

export interface ExecuteOptions extends StepOptions {
  /**
   * `event-lock: true` holds later sendmsg executes until this app ends. Default true, except for
   * `bridge`, where a lock would also hold in-call features until the bridge ends (§9, 12a–12d2).
   */
  eventLock?: boolean;
}

export interface ExecuteResult {
  application: string;
  /** `Application-Response`; stale for some apps (it is the channel's last response, §surprise 4). */
  response: string;
  event: EslEvent;
}

export interface BridgeResult extends ExecuteResult {
  /** The B leg answered and was connected (`originate_disposition=SUCCESS`). */
  bridged: boolean;
  /** Why B ended, or why it never answered. */
  hangupCause: HangupCause | undefined;
}

export interface CallEnd {
  reason: Exclude<CallEndReason, 'control-released'>;
  hangupCause: HangupCause | undefined;
}

export interface CallSummary extends CallEnd {
  /** Undefined when FreeSWITCH closed before sending it (no linger: capture 07c). */
  hangupComplete: EslEvent | undefined;
  controlReleased: boolean;
}

export interface CallSessionOptions {
  connection: EslConnection;
  /** The `connect` reply: the channel's data. */
  channel: EslEvent;
  /** The session's lines go to a child of it naming the channel (`legUuid`), made for each line. */
  logger: Logger;
  clock?: Clock;
  /** Whether `linger` is (about to be) on; decides how long to wait for CHANNEL_HANGUP_COMPLETE. */
  lingering: boolean;
  /** After CHANNEL_HANGUP, how long to wait for HANGUP_COMPLETE before `exit`. */
  hangupCompleteWaitMs?: number;
  /** After our hangup, how long the peer has to report CHANNEL_HANGUP before its socket is dropped. */
  hangupConfirmWaitMs?: number;
  /** Event-UUIDs for executes; replaying a capture passes the recorded ones. */
  newUuid?: () => string;
}

type SessionEvents = {
  event: (event: EslEvent) => void;
  dtmf: (digit: string, event: EslEvent) => void;
  'control-released': (event: EslEvent) => void;
  end: (end: CallEnd) => void;
};

const UNSET_VARIABLE = '-ERR command not found';

/**
 * One call under our control, over FreeSWITCH's outbound socket. Every step returns a promise
 * that settles with its CHANNEL_EXECUTE_COMPLETE (matched by the Event-UUID we send, never by
 * order) and rejects with CallEnded as soon as the channel hangs up or the socket closes.
 */
export class CallSession {
  readonly uuid: string;
  readonly ended: Promise<CallEnd>;
  readonly finished: Promise<CallSummary>;
  /** Whether `linger` is on; the handshake clears it when FreeSWITCH refuses. */
  lingering: boolean;
  private readonly connection: EslConnection;
  private readonly channel: EslEvent;
  private readonly channelVariables: ChannelVariables;
  private readonly parentLogger: Logger;
  private readonly clock: Clock;
  private readonly hangupCompleteWaitMs: number;
  private readonly hangupConfirmWaitMs: number;
  private readonly newUuid: () => string;
  private readonly listeners: Listeners<SessionEvents>;
  private readonly waiters = new Set<Waiter>();
  private readonly executions = new Map<string, PendingStep<ExecuteResult>>();
  private answeredFlag: boolean;
  private endInfo: CallEnd | undefined;
  private released = false;
  private hangupCompleteEvent: EslEvent | undefined;
  private exitTimer: TimerHandle | undefined;
  private exitStarted = false;
  private digitsCounter = 0;
  private resolveEnded!: (end: CallEnd) => void;

  /**
   * A logger naming the channel, made for each line: a session logs a line or two in its life,
   * and a child logger held for it would be ~0.5 KB of heap for as long as the call is held.
   */
  private get logger(): Logger {
    return callLogger(this.parentLogger, { legUuid: this.uuid });
  }

  constructor(options: CallSessionOptions) {
    this.connection = options.connection;
    // Kept for the call's life: a compact copy, not the connect reply's text and index.
    this.channelVariables = new ChannelVariables(options.channel.headers);
    this.channel = { name: options.channel.name, headers: this.channelVariables.base };
    this.uuid = this.channel.headers.get('Unique-ID') ?? this.channel.headers.get('Channel-Unique-ID') ?? '';
    this.parentLogger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.lingering = options.lingering;
    this.hangupCompleteWaitMs = options.hangupCompleteWaitMs ?? 5_000;
    this.hangupConfirmWaitMs = options.hangupConfirmWaitMs ?? 5_000;
    this.newUuid = options.newUuid ?? randomUUID;
    this.listeners = new Listeners(options.logger, { legUuid: this.uuid });
    this.answeredFlag = options.channel.headers.get('Answer-State') === 'answered';
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.connection.on('event', (event) => this.onEvent(event));
    this.finished = this.connection.closed.then(() => {
      this.exitTimer?.cancel();
      if (!this.endInfo) this.end('disconnected', undefined);
      const end = this.endInfo as CallEnd;
      return { ...end, hangupComplete: this.hangupCompleteEvent, controlReleased: this.released };
    });
  }

  /** A channel variable (`variable_<name>`) from the latest channel data we saw. */
  variable(name: string): string | undefined {
    return this.channelVariables.get(name);
  }

  get channelData(): EslEvent {
    return this.channel;
  }

  get callerIdNumber(): string | undefined {
    return this.channel.headers.get('Caller-Caller-ID-Number') ?? this.channel.headers.get('Channel-Caller-ID-Number');
  }

  get destinationNumber(): string | undefined {
    return this.channel.headers.get('Caller-Destination-Number') ?? this.channel.headers.get('Channel-Destination-Number');
  }

  get answered(): boolean {
    return this.answeredFlag;
  }

  get hangupCause(): HangupCause | undefined {
    return this.endInfo?.hangupCause;
  }

  get isEnded(): boolean {
    return this.endInfo !== undefined;
  }

  /** The socket application ended while the channel lives on (uuid_transfer, att_xfer: 12c/12d2). */
  get controlReleased(): boolean {
    return this.released;
  }

  get hangupComplete(): EslEvent | undefined {
    return this.hangupCompleteEvent;
  }

  on<K extends keyof SessionEvents>(type: K, listener: SessionEvents[K]): () => void {
    return this.listeners.on(type, listener);
  }

  onDtmf(listener: (digit: string) => void): () => void {
    return this.on('dtmf', (digit) => listener(digit));
  }

  /** Digits as they arrive, from now until the call ends (or the loop breaks). */
  dtmf(): AsyncIterableIterator<string> {
    return dtmfStream({ isEnded: this.isEnded, onDtmf: (listener) => this.onDtmf(listener), onEnd: (listener) => this.on('end', () => listener()) });
  }

  /**
   * Runs a dialplan application and resolves with its CHANNEL_EXECUTE_COMPLETE. On abort the step
   * rejects at once and the app is interrupted with `uuid_break` (media apps stop; others finish).
   */
  execute(application: string, arg?: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    return this.run(application, arg, options, false);
  }

  answer(options: StepOptions = {}): Promise<void> {
    return this.execute('answer', undefined, options).then(() => void (this.answeredFlag = true));
  }

  /** Early media (183) without answering: prompts to an unanswered caller, who is not charged. */
  preAnswer(options: StepOptions = {}): Promise<void> {
    return this.execute('pre_answer', undefined, options).then(() => undefined);
  }

  /** Resolves with `Application-Response` (`FILE PLAYED`, `FILE NOT FOUND`, …). */
  async playback(file: string, options: StepOptions = {}): Promise<string> {
    return (await this.execute('playback', word('file', file), options)).response;
  }

  /** The digits entered (without the terminator); empty when nothing valid was entered. */
  async playAndGetDigits(options: PlayAndGetDigitsOptions & StepOptions): Promise<string> {
    const variableName = checkVariableName('variableName', options.variableName ?? `cb_digits_${++this.digitsCounter}`);
    const result = await this.execute('play_and_get_digits', playAndGetDigitsArg(options, variableName), { signal: options.signal });
    return result.event.headers.get(`variable_${variableName}`) ?? '';
  }

  async say(options: SayOptions, step: StepOptions = {}): Promise<void> {
    await this.execute('say', sayArg(options), step);
  }

  async sayNumber(value: number, options: StepOptions & { language?: string } = {}): Promise<void> {
    if (!Number.isInteger(value)) throw new EslInvalidArgument('value', 'must be a whole number');
    return this.say({ type: 'number', text: value, language: options.language }, options);
  }

  async sayMoney(amount: number, options: StepOptions & { language?: string } = {}): Promise<void> {
    return this.say({ type: 'currency', text: moneyText(amount), language: options.language }, options);
  }

  async sayDuration(seconds: number, options: StepOptions & { language?: string } = {}): Promise<void> {
    return this.say({ type: 'time_measurement', text: durationText(seconds), language: options.language }, options);
  }

  /** Connects this leg to a dial string (see gatewayDialString); resolves when the bridge ends. */
  bridge(dialString: string, options: ExecuteOptions = {}): Promise<BridgeResult> {
    if (dialString.trim() === '') return Promise.reject(new EslInvalidArgument('dialString', 'is empty'));
    // A `then`, not an async function: this waits for the whole talk, and a suspended async
    // function would keep its generator and registers for as long.
    return this.execute('bridge', dialString, { eventLock: false, ...options }).then(bridgeResult);
  }
  async setVariable(name: string, value: string, options: StepOptions = {}): Promise<void> {
    checkVariableName('name', name);
    await this.execute('set', `${name}=${value}`, options);
  }

  /** `getvar`: the live value, or undefined when unset. */
  /** `quietTimeoutMs`: fails with EslTimeout once FreeSWITCH has sent nothing on this socket for that long (RequestOptions). */
  async getVariable(name: string, options: StepOptions & { quietTimeoutMs?: number } = {}): Promise<string | undefined> {
    checkVariableName('name', name);
    const { quietTimeoutMs } = options;
    return this.track<string | undefined>(`getvar ${name}`, options.signal, (pending) => {
      this.connection.request('command-reply', `getvar ${name}`, quietTimeoutMs === undefined ? { label: 'getvar' } : { label: 'getvar', quietTimeoutMs }).then(
        (reply) => pending.succeed(reply.text === UNSET_VARIABLE ? undefined : reply.text),
        (error: Error) => pending.fail(this.stepError(error, 'getvar')),
      );
    });
  }

  async recordStart(path: string, options: StepOptions = {}): Promise<void> {
    await this.execute('record_session', word('path', path), options);
  }

  async recordStop(path: string, options: StepOptions = {}): Promise<void> {
    await this.execute('stop_record_session', word('path', path), options);
  }

  async sendDtmf(digits: string, options: StepOptions = {}): Promise<void> {
    await this.execute('send_dtmf', dtmfDigits(digits), options);
  }

  /** Resolves when this leg leaves the conference. */
  async conference(name: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    return this.execute('conference', conferenceName(name), options);
  }

  /**
   * Sends the call to the dialplan; that ends the socket application, so this resolves on
   * whichever comes first, the transfer's completion or the socket app's.
   */
  async transfer(destination: string, options: StepOptions & { dialplan?: string; context?: string } = {}): Promise<void> {
    await this.run('transfer', transferArg(destination, options.dialplan, options.context), { signal: options.signal }, true);
  }

  /**
   * Hangs up and resolves once FreeSWITCH reports CHANNEL_HANGUP (at once if the call is over).
   * The cause is a name or Q.850 number (`USER_BUSY`, `21`).
   */
  async hangup(cause: HangupCause | number = 'NORMAL_CLEARING', options: StepOptions = {}): Promise<CallEnd> {
    const name = parseHangupCause(cause);
    if (!name) throw new EslInvalidArgument('cause', `unknown hangup cause ${String(cause)}`);
    if (this.endInfo) return this.endInfo;
    // A peer that never confirms (no reply, no CHANNEL_HANGUP) is not waited for for ever: its
    // socket is dropped, which ends the session as `disconnected` (FreeSWITCH hangs up a parked
    // leg whose socket closed, 08a).
    const waitMs = this.hangupConfirmWaitMs;
    const deadline = this.clock.setTimeout(() => {
      this.logger.warn('no CHANNEL_HANGUP after our hangup; dropping the socket', { uuid: this.uuid, waitMs });
      void this.drop(`no CHANNEL_HANGUP within ${waitMs} ms of hangup`);
    }, waitMs);
    void this.ended.then(() => deadline.cancel());
    try {
      await this.connection.command('sendmsg', { headers: { 'call-command': 'hangup', 'hangup-cause': name }, label: 'sendmsg hangup', signal: options.signal });
    } catch (error) {
      if (!(error instanceof EslDisconnected)) throw error;
    }
    if (!options.signal) return this.ended;
    const signal = options.signal;
    if (signal.aborted) throw abortReason(signal);
    return new Promise<CallEnd>((resolve, reject) => {
      const detach = onAbort(signal, reject);
      void this.ended.then((end) => {
        detach();
        resolve(end);
      });
    });
  }

  /**
   * Refuses a call without answering it, so the caller is not charged: a `hangup` with the given
   * cause, which FreeSWITCH sends as the mapped SIP status (USER_BUSY → 486, CALL_REJECTED → 603).
   */
  async reject(cause: HangupCause | number = 'CALL_REJECTED', options: StepOptions = {}): Promise<CallEnd> {
    if (this.answeredFlag) this.logger.warn('reject() on an answered call is a plain hangup', { uuid: this.uuid });
    return this.hangup(cause, options);
  }

  /** Ends our control without hanging up: `exit`, then the socket closes. */
  async disconnect(): Promise<CallSummary> {
    this.sendExit();
    return this.finished;
  }

  /** Closes the socket at once, without `exit`: for a peer that does not answer or is not to be trusted. */
  drop(reason: string): Promise<CallSummary> {
    this.connection.close(reason);
    return this.finished;
  }

  // --- internals ---

  private run(application: string, arg: string | undefined, options: ExecuteOptions, completesOnRelease: boolean): Promise<ExecuteResult> {
    return this.track<ExecuteResult>(
      application,
      options.signal,
      (pending) => {
        word('application', application);
        const eventUuid = this.newUuid();
        const headers: Record<string, string> = { 'call-command': 'execute', 'execute-app-name': application };
        if (arg !== undefined && arg !== '') headers['execute-app-arg'] = arg;
        if (options.eventLock ?? true) headers['event-lock'] = 'true';
        headers['Event-UUID'] = eventUuid;
        pending.eventUuid = eventUuid;
        this.executions.set(eventUuid, pending);
        this.connection
          .command('sendmsg', { headers, label: `sendmsg ${application}` })
          .catch((error: Error) => pending.fail(this.stepError(error, application)));
      },
      completesOnRelease ? (event) => executeResult(event, application) : undefined,
      // An aborted execute is stopped on the channel (media apps stop; others finish).
      () => this.interruptMedia(),
    );
  }

  /**
   * Registers a pending step: it fails with CallEnded when the call ends, with the signal's reason
   * on abort, and always removes what it registered.
   */
  private track<T>(
    step: string,
    signal: AbortSignal | undefined,
    start: (pending: PendingStep<T>) => void,
    onRelease?: (event: EslEvent) => T,
    interruptOnAbort?: () => void,
  ): Promise<T> {
    if (this.endInfo || this.released) return Promise.reject(this.endedError(step));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<T>((resolve, reject) => {
      const pending = new PendingStep<T>(step, this.waiters, this.executions, resolve, reject, onRelease);
      if (signal) pending.abortOn(signal, interruptOnAbort);
      try {
        start(pending);
      } catch (error) {
        pending.fail(error as Error);
      }
    });
  }

  private endedError(step: string, cause?: Error): CallEnded {
    const details: { uuid: string; reason: CallEndReason; hangupCause?: HangupCause; step: string } = {
      uuid: this.uuid,
      reason: this.endInfo?.reason ?? (this.released ? 'control-released' : 'disconnected'),
      step,
    };
    if (this.endInfo?.hangupCause) details.hangupCause = this.endInfo.hangupCause;
    return new CallEnded(details, cause ? { cause } : undefined);
  }

  /** A command failing because the socket went away is, for the caller, the call ending. */
  private stepError(error: Error, step: string): Error {
    return error instanceof EslDisconnected ? this.endedError(step, error) : error;
  }

  /**
   * `uuid_break all` also flushes the queued sendmsg executes: FreeSWITCH drops them without an
   * EXECUTE or EXECUTE_COMPLETE, so the steps still waiting for one fail here instead of forever.
   */
  private interruptMedia(): void {
    if (this.endInfo || this.connection.isClosed) return;
    // Commands go out in order: only the executes already sent can be in the queue it flushes.
    const sentBefore = [...this.executions.values()];
    this.connection.api(`uuid_break ${this.uuid} all`).then(
      () => {
        for (const execution of sentBefore) {
          if (!execution.started) execution.fail(new EslCommandFailed(`sendmsg ${execution.step}`, 'dropped from the queue by uuid_break all'));
        }
      },
      (error: unknown) => this.logger.debug('uuid_break failed', { error: errorText(error) }),
    );
  }

  private onEvent(event: EslEvent): void {
    const about = event.headers.get('Unique-ID');
    const ours = about === undefined || about === this.uuid;
    if (ours) this.channelVariables.update(event.headers);
    this.listeners.emit('event', event);
    if (!ours) return;
    switch (event.name) {
      case 'CHANNEL_ANSWER':
        this.answeredFlag = true;
        return;
      case 'CHANNEL_EXECUTE': {
        const execution = this.executions.get(event.headers.get('Application-UUID') ?? '');
        if (execution) execution.started = true;
        return;
      }
      case 'CHANNEL_EXECUTE_COMPLETE':
        this.onExecuteComplete(event);
        return;
      case 'DTMF': {
        const digit = event.headers.get('DTMF-Digit');
        if (digit) this.listeners.emit('dtmf', digit, event);
        return;
      }
      case 'CHANNEL_HANGUP':
        this.end('hangup', causeOf(event));
        return;
      case 'CHANNEL_HANGUP_COMPLETE':
        this.hangupCompleteEvent = event;
        if (!this.endInfo) this.end('hangup', causeOf(event));
        else this.sendExit();
        return;
    }
  }

  private onExecuteComplete(event: EslEvent): void {
    const appUuid = event.headers.get('Application-UUID');
    const execution = appUuid === undefined ? undefined : this.executions.get(appUuid);
    if (execution) {
      execution.succeed(executeResult(event, execution.step));
      return;
    }
    if (event.headers.get('Application') === 'socket' && !this.endInfo && !this.released) {
      this.released = true;
      this.logger.info('socket application ended; the channel is no longer under our control', { uuid: this.uuid });
      for (const waiter of [...this.waiters]) if (!waiter.released(event)) waiter.fail(this.endedError(waiter.step));
      this.listeners.emit('control-released', event);
    }
  }

  private end(reason: CallEnd['reason'], hangupCause: HangupCause | undefined): void {
    if (this.endInfo) return;
    this.endInfo = { reason, hangupCause };
    for (const waiter of [...this.waiters]) waiter.fail(this.endedError(waiter.step));
    this.resolveEnded(this.endInfo);
    this.listeners.emit('end', this.endInfo);
    if (reason !== 'hangup') return;
    if (this.hangupCompleteEvent) {
      this.sendExit();
      return;
    }
    // The linger notice may come before HANGUP_COMPLETE (04d): `exit` waits for the event, and
    // only gives up on it after a while. Without linger FreeSWITCH closes by itself.
    this.exitTimer = this.clock.setTimeout(() => this.sendExit(), this.hangupCompleteWaitMs);
  }

  private sendExit(): void {
    this.exitTimer?.cancel();
    if (this.exitStarted || this.connection.isClosed) return;
    this.exitStarted = true;
    const forceClose = this.clock.setTimeout(() => this.connection.close('no goodbye after exit'), 2_000);
    void this.connection.closed.then(() => forceClose.cancel());
    this.connection.command('exit', { label: 'exit' }).catch(() => undefined);
  }
}

function bridgeResult(result: ExecuteResult): BridgeResult {
  const disposition = result.event.headers.get('variable_originate_disposition');
  const bridged = disposition === 'SUCCESS';
  // bridge_hangup_cause is set only when a bridge ends and stays on the channel, so after a
  // failed dial it is an earlier bridge's; the disposition is this dial's cause (USER_BUSY, …).
  const causeText = bridged ? result.event.headers.get('variable_bridge_hangup_cause') : disposition;
  return { ...result, bridged, hangupCause: causeText === undefined ? undefined : parseHangupCause(causeText) };
}

function executeResult(event: EslEvent, application: string): ExecuteResult {
  return { application: event.headers.get('Application') ?? application, response: event.headers.get('Application-Response') ?? '', event };
}

function causeOf(event: EslEvent): HangupCause | undefined {
  const text = event.headers.get('Hangup-Cause') ?? event.headers.get('variable_hangup_cause');
  return text === undefined ? undefined : parseHangupCause(text);
}
