import type { Logger } from '../../log/logger';
import type { SmsMessage, SmsMessagesRepository } from '../../store/sms-messages';
import { isUniqueViolation } from '../../store/sql-errors';
import type { Clock, TimerHandle } from '../../time/clock';
import { resultOfNetworkError, truncate } from './http-result';
import type { SendResult, SmsSender } from './sender';

/** Outbound statuses: queued → sending → sent | retrying → sending → … → sent | failed. */
export const OUTBOUND_STATUS = { queued: 'queued', sending: 'sending', sent: 'sent', retrying: 'retrying', failed: 'failed' } as const;

export interface OutboundSmsOptions {
  messages: SmsMessagesRepository;
  sender: SmsSender;
  clock: Clock;
  logger: Logger;
  /** Attempts in all, the first included (default 5). */
  maxAttempts?: number;
  /** Wait after the first failure; doubled after each further one (default 30 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /**
   * A message still 'queued' this long after it was stored was never tried, and one still
   * 'sending' this long was being sent by a process that stopped: retryDue sends it (default 5 min).
   */
  staleQueuedMs?: number;
  /** Arm a timer on the clock for the next retry (default true); off when only a scheduler calls retryDue. */
  autoRetry?: boolean;
  batchSize?: number;
}

export interface NewOutboundReply {
  readonly to: string;
  readonly from: string;
  readonly text: string;
  /**
   * What is stored, listed and logged instead of `text` when `text` holds a secret (a verification
   * code): `text` itself is kept apart only until the message is sent or given up.
   */
  readonly shownText?: string;
  readonly accountId?: number | null;
}

export interface RetryReport {
  attempted: number;
  sent: number;
  failed: number;
}

const TEXT_MAX = 2000;

/**
 * Outgoing SMS: every message is stored before it is handed to the gateway, and the gateway's
 * answer is recorded on it, so an operator can always tell what a subscriber was told. Failed
 * attempts are retried with exponential backoff, by a timer on the clock and by retryDue(), which
 * a periodic sweep should also call so that retries survive a restart.
 *
 * Several instances may share the backlog: an attempt first claims the message (queued or
 * retrying → sending, a compare-and-set on status and attempt count), so each attempt is made by
 * one instance only. A process that dies between the claim and the gateway's answer leaves the
 * message 'sending'; it is sent again once stale, because the gateway may never have got it
 * (at least once: an SMS is cheap to repeat, a reply never sent is not).
 */
export class OutboundSms {
  private readonly inFlight = new Set<number>();
  private wake: { at: number; handle: TimerHandle } | null = null;
  private stopped = false;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly staleQueuedMs: number;

  constructor(private readonly options: OutboundSmsOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 30_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 3_600_000;
    this.staleQueuedMs = options.staleQueuedMs ?? 300_000;
  }

  get senderName(): string {
    return this.options.sender.name;
  }

  /** Stores the message, makes the first attempt, and returns it as stored after that attempt. */
  async send(reply: NewOutboundReply): Promise<SmsMessage> {
    const message = await this.options.messages.queueOutbound({
      gateway: this.options.sender.name,
      from: reply.from,
      to: reply.to,
      text: (reply.shownText ?? reply.text).slice(0, TEXT_MAX),
      textToSend: reply.shownText === undefined ? null : reply.text.slice(0, TEXT_MAX),
      accountId: reply.accountId ?? null,
    });
    return (await this.attempt(message)) ?? message;
  }

  /** Sends every message whose retry is due at `now`; returns what it did. */
  async retryDue(now: number = this.options.clock.now()): Promise<RetryReport> {
    const report: RetryReport = { attempted: 0, sent: 0, failed: 0 };
    const batch = this.options.batchSize ?? 100;
    const { messages } = this.options;
    const candidates = [
      ...(await messages.listByStatus('out', OUTBOUND_STATUS.retrying, batch)),
      ...(await messages.listByStatus('out', OUTBOUND_STATUS.queued, batch)),
      ...(await messages.listByStatus('out', OUTBOUND_STATUS.sending, batch)),
    ].filter((message) => message.gateway === this.options.sender.name);
    let nextWake: number | null = null;
    for (const message of candidates) {
      const due = this.dueAt(message);
      if (due > now) {
        nextWake = nextWake === null ? due : Math.min(nextWake, due);
        continue;
      }
      if (this.inFlight.has(message.id)) continue;
      const after = await this.attempt(message);
      if (!after) continue;
      report.attempted += 1;
      if (after.status === OUTBOUND_STATUS.sent) report.sent += 1;
      else if (after.status === OUTBOUND_STATUS.failed) report.failed += 1;
    }
    if (nextWake !== null) this.wakeAt(nextWake);
    return report;
  }

  /** When retryDue will next try `message`. */
  dueAt(message: SmsMessage): number {
    if (message.status === OUTBOUND_STATUS.queued || message.status === OUTBOUND_STATUS.sending) return message.updatedAt + this.staleQueuedMs;
    return message.updatedAt + this.retryDelay(message.attempts);
  }

  /** The wait after `attempts` failed attempts. */
  retryDelay(attempts: number): number {
    return Math.min(this.retryDelayMs * 2 ** Math.max(0, attempts - 1), this.maxRetryDelayMs);
  }

  /** Cancels the retry timer; stored messages stay for the next start. */
  stop(): void {
    this.stopped = true;
    this.wake?.handle.cancel();
    this.wake = null;
  }

  /** The message after this instance's attempt; null when another attempt has it. */
  private async attempt(message: SmsMessage): Promise<SmsMessage | null> {
    if (this.inFlight.has(message.id)) return null;
    this.inFlight.add(message.id);
    try {
      if (!(await this.options.messages.claim(message, OUTBOUND_STATUS.sending))) {
        this.options.logger.debug('SMS taken by another sender; not sent here', { smsId: message.id });
        return null;
      }
      let result: SendResult;
      try {
        result = await this.options.sender.send({ from: message.from, to: message.to, text: message.textToSend ?? message.text });
      } catch (error) {
        // Senders report failures as results; one that throws anyway is treated as unreachable.
        result = resultOfNetworkError(error);
      }
      await this.record(message, result);
      const stored = (await this.options.messages.findById(message.id)) ?? message;
      if (stored.status === OUTBOUND_STATUS.retrying) this.wakeAt(this.dueAt(stored));
      return stored;
    } finally {
      this.inFlight.delete(message.id);
    }
  }

  private async record(message: SmsMessage, result: SendResult): Promise<void> {
    const { messages, logger } = this.options;
    // A secret the gateway has, or will never get, is not kept.
    const forget = message.textToSend === null ? {} : { textToSend: null };
    if (result.ok) {
      const patch = { status: OUTBOUND_STATUS.sent, lastError: null, ...forget };
      try {
        await messages.update(message.id, result.gatewayMessageId === undefined ? patch : { ...patch, gatewayMessageId: result.gatewayMessageId });
      } catch (error) {
        // A gateway that reuses ids must not make a sent message look unsent.
        if (!isUniqueViolation(error)) throw error;
        await messages.update(message.id, patch);
      }
      return;
    }
    // The claim counted this attempt.
    const attempts = message.attempts + 1;
    const final = !result.retryable || attempts >= this.maxAttempts;
    await messages.update(message.id, {
      status: final ? OUTBOUND_STATUS.failed : OUTBOUND_STATUS.retrying,
      lastError: truncate(result.error, 255),
      ...(final ? forget : {}),
    });
    logger.warn(final ? 'SMS could not be sent; giving up' : 'SMS could not be sent; will retry', {
      smsId: message.id,
      to: message.to,
      gateway: message.gateway,
      attempts,
      error: result.error,
    });
  }

  private wakeAt(at: number): void {
    if (this.stopped || this.options.autoRetry === false) return;
    if (this.wake && this.wake.at <= at) return;
    this.wake?.handle.cancel();
    const { clock, logger } = this.options;
    const handle = clock.setTimeout(() => {
      if (this.wake?.handle === handle) this.wake = null;
      this.retryDue().catch((error: unknown) => logger.error('SMS retry failed', { error }));
    }, Math.max(0, at - clock.now()));
    this.wake = { at, handle };
  }
}
