import type { CountryCode } from 'libphonenumber-js';
import type { Router } from 'express';
import type { Logger } from '../log/logger';
import type { Store } from '../store';
import type { Clock } from '../time/clock';
import { smsWebhookRouter, type WebhookEndpoint } from './adapters/router';
import { SmsCommandHandler } from './inbound/handler';
import { KannelSender, type KannelSenderOptions } from './outbound/kannel-sender';
import { LogSender } from './outbound/log-sender';
import { OutboundSms, type OutboundSmsOptions } from './outbound/outbound-sms';
import type { SmsSender } from './outbound/sender';
import { WebhookSender, type WebhookSenderOptions } from './outbound/webhook-sender';
import type { CallbackOrdering } from './ports';

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
  readonly maxDaysAhead?: number;
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
  /** Call outbound.retryDue() from a periodic sweep so retries survive restarts. */
  readonly outbound: OutboundSms;
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
  const handler = new SmsCommandHandler({
    store: deps.store,
    ordering: deps.ordering,
    replies: outbound,
    logger,
    defaultCountry: settings.defaultCountry,
    ...(settings.unauthorizedReply === undefined ? {} : { unauthorizedReply: settings.unauthorizedReply }),
    ...(settings.maxDaysAhead === undefined ? {} : { maxDaysAhead: settings.maxDaysAhead }),
  });
  const router = smsWebhookRouter({ messages: deps.store.smsMessages, handler, logger, ...settings.webhooks });
  return { router, handler, outbound, stop: () => outbound.stop() };
}
