import type { CallerIdVerification } from '../../caller-ids';
import type { CountryCode } from 'libphonenumber-js';
import type { Logger } from '../../log/logger';
import type { Account, Store } from '../../store';
import type { SmsMessage } from '../../store/sms-messages';
import { truncate } from '../outbound/http-result';
import type { NewOutboundReply } from '../outbound/outbound-sms';
import { parseSmsCommand } from '../parser/parse';
import type { SmsCommandKind } from '../parser/commands';
import type { CallbackOrdering, ReplyLanguage } from '../ports';
import { authorizeSender, type Authorization } from './authorize';
import { executeCommand } from './execute';
import { smsTexts } from './texts-for';
import { ENGLISH, type SmsTexts } from './replies';
import { DEFAULT_SENDER_LIMIT, senderLimitKey, type SenderLimit } from './sender-limit';

/**
 * Inbound statuses: received (stored) → handling (claimed by one instance) → processed | rejected
 * | unauthorized | failed.
 */
export const INBOUND_STATUS = {
  received: 'received',
  handling: 'handling',
  processed: 'processed',
  rejected: 'rejected',
  unauthorized: 'unauthorized',
  /** Over the sender's limit (sms.commandsPerSender): kept, not acted on. */
  rateLimited: 'rate_limited',
  failed: 'failed',
} as const;
export type InboundStatus = (typeof INBOUND_STATUS)[keyof typeof INBOUND_STATUS];

/** The English of the reply to senders that may not command; other languages have their own. */
export const DEFAULT_UNAUTHORIZED_REPLY = ENGLISH.unauthorized;

/** Where replies go: OutboundSms in the service, anything that stores and sends in tests. */
export interface ReplySender {
  send(reply: NewOutboundReply): Promise<SmsMessage>;
}

export interface SmsCommandHandlerOptions {
  store: Pick<Store, 'callerIds' | 'callerIdClaims' | 'accounts' | 'smsMessages' | 'auditLog' | 'rateLimits'>;
  ordering: CallbackOrdering;
  /** #register and #verify (#15 item 8). */
  verification: Pick<CallerIdVerification, 'register' | 'verify'>;
  replies: ReplySender;
  logger: Logger;
  /** For numbers without `+` or `00`, when the account has no country of its own. */
  defaultCountry: CountryCode;
  /** Sent to senders that may not command (S5); null keeps silent. Default: the reply language's `unauthorized`. */
  unauthorizedReply?: string | null;
  maxDaysAhead?: number;
  /** Messages acted on per sender and window, counted in the database (default DEFAULT_SENDER_LIMIT). */
  senderLimit?: SenderLimit;
  /** Sent once per window to a sender over the limit; null keeps silent. Default: the reply language's `rateLimited`. */
  rateLimitedReply?: string | null;
  /** The language an account's replies are written in; default English. */
  replyLanguage?: ReplyLanguage;
}

export interface HandleOutcome {
  readonly status: InboundStatus;
  readonly accountId: number | null;
  readonly command?: SmsCommandKind;
  /** Parse error code or authorization refusal reason. */
  readonly code?: string;
  /** The text sent back, or null for silence. */
  readonly reply: string | null;
  readonly requestId?: string;
}

/**
 * Acts on one stored inbound SMS: authorizes the sender (S5), reads the command (S1–S4), carries
 * it out and answers. The message must already be stored: what arrived is kept even when acting
 * on it fails. Never throws; a failure is logged and recorded on the message as 'failed'.
 *
 * A message is first claimed (received → handling, compare-and-set), so of two instances or a
 * gateway's re-delivery racing a sweep only one acts on it. A process that dies while handling
 * leaves it 'handling'; resumeStale() takes it up again, and the order it may already have placed
 * is not placed twice (the order's idempotency key is the message's id).
 */
export class SmsCommandHandler {
  constructor(private readonly options: SmsCommandHandlerOptions) {}

  async handle(message: SmsMessage): Promise<HandleOutcome> {
    const claimable = message.status === INBOUND_STATUS.received || message.status === INBOUND_STATUS.handling;
    if (!claimable || !(await this.options.store.smsMessages.claim(message, INBOUND_STATUS.handling))) {
      this.options.logger.info('SMS already taken by another handler; not handled again', { smsId: message.id, status: message.status });
      return { status: INBOUND_STATUS.handling, accountId: message.accountId, code: 'already_handled', reply: null };
    }
    try {
      // Before authorization: an unknown number flooding us is refused without a reply each time.
      const limited = await this.overSenderLimit(message);
      if (limited) return limited;
      const auth = await authorizeSender(this.options.store, message.from, this.options.defaultCountry);
      if (!auth.ok) return await this.refuse(message, auth);
      return await this.command(message, auth);
    } catch (error) {
      this.options.logger.error('SMS command failed', { smsId: message.id, from: message.from, error });
      await this.options.store.smsMessages
        .update(message.id, { status: INBOUND_STATUS.failed, lastError: truncate(error instanceof Error ? error.message : String(error), 255) })
        .catch((updateError: unknown) => this.options.logger.error('could not mark the SMS as failed', { smsId: message.id, error: updateError }));
      return { status: INBOUND_STATUS.failed, accountId: null, reply: null };
    }
  }

  /**
   * Handles the messages a stopped process left received or handling before `before` (a
   * timestamp on the store's clock); returns how many were taken up.
   */
  async resumeStale(before: number, limit = 100): Promise<number> {
    const stale = await this.options.store.smsMessages.listStale('in', [INBOUND_STATUS.received, INBOUND_STATUS.handling], before, limit);
    for (const message of stale) {
      this.options.logger.warn('SMS left unhandled by a stopped process; handling it now', { smsId: message.id, status: message.status });
      await this.handle(message);
    }
    return stale.length;
  }

  private async command(message: SmsMessage, auth: Extract<Authorization, { ok: true }>): Promise<HandleOutcome> {
    const { store, logger } = this.options;
    const { account, sender } = auth;
    const now = message.createdAt;
    const parsed = parseSmsCommand(message.text, {
      now,
      timeZone: account.timeZone,
      defaultCountry: (account.country ?? this.options.defaultCountry) as CountryCode,
      maxDaysAhead: this.options.maxDaysAhead,
    });
    const texts = await this.textsFor(account, message);
    let outcome: HandleOutcome;
    if (!parsed.ok) {
      outcome = { status: INBOUND_STATUS.rejected, accountId: account.id, code: parsed.code, reply: texts.notUnderstood(parsed) };
    } else {
      const result = await executeCommand(parsed.command, {
        store,
        ordering: this.options.ordering,
        verification: this.options.verification,
        account,
        sender,
        idempotencyKey: `sms:${message.id}`,
        now,
        texts,
      });
      outcome = {
        status: result.done ? INBOUND_STATUS.processed : INBOUND_STATUS.rejected,
        accountId: account.id,
        command: parsed.command.kind,
        reply: result.reply,
        ...(result.requestId === undefined ? {} : { requestId: result.requestId }),
      };
    }
    await store.smsMessages.update(message.id, {
      status: outcome.status,
      accountId: account.id,
      lastError: outcome.status === INBOUND_STATUS.processed ? null : truncate(`${outcome.code ?? 'refused'}: ${outcome.reply ?? ''}`, 255),
    });
    logger.info('SMS command handled', { smsId: message.id, from: message.from, accountId: account.id, status: outcome.status, command: outcome.command, code: outcome.code, requestId: outcome.requestId });
    await this.reply(message, outcome.reply, account.id);
    return outcome;
  }

  private async refuse(message: SmsMessage, auth: Extract<Authorization, { ok: false }>): Promise<HandleOutcome> {
    const { store, logger } = this.options;
    await store.auditLog.record({
      kind: 'refused',
      reason: auth.reason,
      caller: message.from.slice(0, 64),
      accountId: auth.accountId,
      details: { channel: 'sms', smsId: message.id, gateway: message.gateway, text: message.text.slice(0, 160) },
    });
    await store.smsMessages.update(message.id, { status: INBOUND_STATUS.unauthorized, accountId: auth.accountId, lastError: auth.reason });
    logger.warn('SMS command refused: sender not authorized', { smsId: message.id, from: message.from, reason: auth.reason, accountId: auth.accountId });
    // An alphanumeric sender cannot be answered; silence is also the operator's choice (null).
    const configured = this.options.unauthorizedReply;
    // No account to speak for the sender: the language is the access number's, if it was sent to one.
    const reply = auth.sender === null ? null : configured === undefined ? (await this.textsFor(null, message)).unauthorized : configured;
    await this.reply(message, reply, auth.accountId);
    return { status: INBOUND_STATUS.unauthorized, accountId: auth.accountId, code: auth.reason, reply };
  }

  /**
   * Counts the message against its sender's window (shared by all instances). Over the limit it
   * is kept as rate_limited and audited; only the first refusal of the window is answered, so a
   * flood of commands never becomes a flood of paid replies.
   */
  private async overSenderLimit(message: SmsMessage): Promise<HandleOutcome | null> {
    const { store, logger } = this.options;
    const limit = this.options.senderLimit ?? DEFAULT_SENDER_LIMIT;
    const sender = senderLimitKey(message.from, this.options.defaultCountry);
    const hit = await store.rateLimits.hit(sender.key, limit);
    if (hit.allowed) return null;
    const configured = this.options.rateLimitedReply;
    const answered = hit.firstRefusal && sender.answerable;
    // Before authorization, so not in an account's language: the access number's, if it was sent to one.
    const reply = !answered ? null : configured === undefined ? (await this.textsFor(null, message)).rateLimited(limit, hit.retryAfterMs) : configured;
    await store.auditLog.record({
      kind: 'refused',
      reason: 'rate_limited',
      caller: message.from.slice(0, 64),
      accountId: null,
      details: { channel: 'sms', smsId: message.id, gateway: message.gateway, firstRefusal: hit.firstRefusal, text: message.text.slice(0, 160) },
    });
    await store.smsMessages.update(message.id, { status: INBOUND_STATUS.rateLimited, lastError: `rate_limited: over ${limit.limit} per ${limit.windowMs / 1000} s` });
    // A warning once per window; the rest of a flood only at debug, so it does not flood the log as well.
    const log = hit.firstRefusal ? logger.warn.bind(logger) : logger.debug.bind(logger);
    log('SMS not acted on: sender over its limit', { smsId: message.id, from: message.from, limit: limit.limit, windowMs: limit.windowMs, replied: reply !== null });
    await this.reply(message, reply, null);
    return { status: INBOUND_STATUS.rateLimited, accountId: null, code: 'rate_limited', reply };
  }

  /** The texts of the language replies to `message` are written in; `account` null: a sender without one. */
  private async textsFor(account: Account | null, message: SmsMessage): Promise<SmsTexts> {
    return smsTexts(this.options.replyLanguage ? await this.options.replyLanguage(account, message.to) : 'en');
  }

  /** A reply that cannot even be stored must not undo the command, which has been carried out. */
  private async reply(message: SmsMessage, text: string | null, accountId: number | null): Promise<void> {
    if (text === null) return;
    try {
      await this.options.replies.send({ to: message.from, from: message.to, text, accountId });
    } catch (error) {
      this.options.logger.error('SMS reply could not be stored or sent', { smsId: message.id, to: message.from, error });
    }
  }
}
