import type { CountryCode } from 'libphonenumber-js';
import type { Router } from 'express';
import { CallerIdVerification } from '../caller-ids';
import { defaultSettings, type VerificationSettings } from '../config';
import type { Logger } from '../log/logger';
import type { Store } from '../store';
import type { Clock } from '../time/clock';
import { smsWebhookRouter, type WebhookEndpoint } from './adapters/router';
import { SmsCommandHandler } from './inbound/handler';
import type { SenderLimit } from './inbound/sender-limit';
import { KannelSender, type KannelSenderOptions } from './outbound/kannel-sender';
import { LogSender } from './outbound/log-sender';
import { OutboundSms, type OutboundSmsOptions } from './outbound/outbound-sms';
import type { SmsSender } from './outbound/sender';
import { WebhookSender, type WebhookSenderOptions } from './outbound/webhook-sender';
import type { CallbackOrdering, ReplyLanguage } from './ports';

export type SenderSettings =
  | { readonly kind: 'log' }
  | ({ readonly kind: 'kannel' } & KannelSenderOptions)
  | ({ readonly kind: 'webhook' } & WebhookSenderOptions);

export interface SmsSettings {
  readonly defaultCountry: CountryCode;
  /** Reply to senders that may not command; null = silence; absent = the default text. */
  readonly unauthorizedReply?: string | null;
  readonly sender: SenderSettings;
  /** Each endpoint is mounted only when configured, and needs a secret and/or an allow-list. */
  readonly webhooks: { readonly generic?: WebhookEndpoint; readonly kannel?: WebhookEndpoint };
  readonly retry?: Pick<OutboundSmsOptions, 'maxAttempts' | 'retryDelayMs' | 'maxRetryDelayMs' | 'staleQueuedMs'>;
  /** An inbound message untouched this long is taken as abandoned by its process (default 2 min). */
  readonly staleInboundMs?: number;
  readonly maxDaysAhead?: number;
  /** Messages acted on per sender and window, counted in the database; default 10 per 10 minutes. */
  readonly senderLimit?: SenderLimit;
  /** Sent once per window to a sender over senderLimit; null = silence; absent = the default text. */
  readonly rateLimitedReply?: string | null;
  /** Caller-ID codes (#15 item 8); default: the `verification` settings' defaults. */
  readonly verification?: VerificationSettings;
  /** The language of an account's replies; default English. */
  readonly replyLanguage?: ReplyLanguage;
}

export interface SmsModuleDependencies {
  readonly store: Store;
  readonly ordering: CallbackOrdering;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface SmsModule {
  /** Mount on the HTTP app: app.use(sms.router). */
  readonly router: Router;
  readonly handler: SmsCommandHandler;
  readonly outbound: OutboundSms;
  /** Sends caller-ID codes through `outbound`; the API and the portal register numbers with it too. */
  readonly verification: CallerIdVerification;
  /**
   * Once: what a stopped process left behind (unhandled commands, unsent replies); returns how
   * many messages it took up. The service runs it at start and then with its housekeeping.
   */
  sweep(): Promise<number>;
  stop(): void;
}

export function createSender(settings: SenderSettings, logger: Logger): SmsSender {
  switch (settings.kind) {
    case 'log':
      return new LogSender(logger);
    case 'kannel':
      return new KannelSender(settings);
    case 'webhook':
      return new WebhookSender(settings);
  }
}

/** Everything T2 needs, wired: webhooks → stored message → handler → replies through the sender. */
export function createSmsModule(deps: SmsModuleDependencies, settings: SmsSettings): SmsModule {
  const logger = deps.logger.child({ component: 'sms' });
  const outbound = new OutboundSms({
    messages: deps.store.smsMessages,
    sender: createSender(settings.sender, logger),
    clock: deps.clock,
    logger,
    ...settings.retry,
  });
  const verification = new CallerIdVerification({
    store: deps.store,
    sender: outbound,
    clock: deps.clock,
    logger,
    settings: settings.verification ?? defaultSettings().verification,
  });
  const handler = new SmsCommandHandler({
    store: deps.store,
    ordering: deps.ordering,
    verification,
    replies: outbound,
    logger,
    defaultCountry: settings.defaultCountry,
    ...(settings.unauthorizedReply === undefined ? {} : { unauthorizedReply: settings.unauthorizedReply }),
    ...(settings.maxDaysAhead === undefined ? {} : { maxDaysAhead: settings.maxDaysAhead }),
    ...(settings.senderLimit === undefined ? {} : { senderLimit: settings.senderLimit }),
    ...(settings.rateLimitedReply === undefined ? {} : { rateLimitedReply: settings.rateLimitedReply }),
    ...(settings.replyLanguage === undefined ? {} : { replyLanguage: settings.replyLanguage }),
  });
  const router = smsWebhookRouter({ messages: deps.store.smsMessages, handler, logger, ...settings.webhooks });
  const staleInboundMs = settings.staleInboundMs ?? 120_000;
  const sweep = async (): Promise<number> => {
    const resumed = await handler.resumeStale(deps.clock.now() - staleInboundMs);
    return resumed + (await outbound.retryDue()).attempted;
  };
  return {
    router,
    handler,
    outbound,
    verification,
    sweep,
    stop: () => outbound.stop(),
  };
}
