import type { CallbackEngine } from '../callback/engine';
import type { Settings } from '../config';
import type { SmsConfig } from '../config/sms-schema';
import type { Logger } from '../log/logger';
import { isE164 } from '../domain/phone-number';
import { resolveFor, systemSettingsOf } from '../settings';
import { createSmsModule, engineOrdering, type ReplyLanguage, type SenderLimit, type SmsModule, type SmsSettings } from '../sms';
import type { WebhookEndpoint } from '../sms/adapters/router';
import type { Store } from '../store';
import type { Clock } from '../time/clock';

/** The SMS module (T2) on the engine, configured from the `sms` settings. */
export function startSms(settings: Settings, deps: { store: Store; engine: CallbackEngine; clock: Clock; logger: Logger }): SmsModule {
  return createSmsModule(
    { store: deps.store, ordering: engineOrdering((order) => deps.engine.order(order), deps.store.callbackRequests), clock: deps.clock, logger: deps.logger },
    { ...smsSettings(settings.sms, settings.callback.defaultCountry), verification: settings.verification, replyLanguage: resolvedLanguage(settings, deps) },
  );
}

/** Replies follow the account's resolved `language`, the access number's first when the SMS was sent to one (#18 item 1). */
function resolvedLanguage(settings: Settings, deps: { store: Store; logger: Logger }): ReplyLanguage {
  const system = systemSettingsOf(settings);
  return async (account, receivedOn) => {
    const accessNumber = isE164(receivedOn) ? await deps.store.accessNumbers.findByDid(receivedOn) : null;
    return resolveFor(system, { account, accessNumber }, deps.logger).language.value;
  };
}

function smsSettings(config: SmsConfig, defaultCountry: SmsSettings['defaultCountry']): SmsSettings {
  const webhooks: { generic?: WebhookEndpoint; kannel?: WebhookEndpoint } = {};
  const generic = endpoint(config.genericSecret, config.genericAllowFrom);
  const kannel = endpoint(config.kannelSecret, config.kannelAllowFrom);
  if (generic) webhooks.generic = generic;
  if (kannel) webhooks.kannel = kannel;
  return {
    defaultCountry,
    sender: senderSettingsOf(config),
    webhooks,
    senderLimit: senderLimitOf(config),
    ...(config.rateLimitedReply === undefined ? {} : { rateLimitedReply: config.rateLimitedReply }),
    ...(config.unauthorizedReply === undefined ? {} : { unauthorizedReply: config.unauthorizedReply }),
  };
}

/** The per-sender limit the `sms` settings set (the inbound handler's, and the longest window housekeeping keeps). */
export function senderLimitOf(config: SmsConfig): SenderLimit {
  return { limit: config.commandsPerSender, windowMs: config.senderWindowMinutes * 60_000 };
}

/** An endpoint without a secret or an allow-list would let anyone order callbacks: it stays off. */
function endpoint(secret: string | undefined, allowFrom: string[] | undefined): WebhookEndpoint | undefined {
  if (secret === undefined && allowFrom === undefined) return undefined;
  return { ...(secret === undefined ? {} : { secret }), ...(allowFrom === undefined ? {} : { allowFrom }) };
}

/** Where SMS leave, from the `sms` settings (the service's module, and the CLI's caller-ID codes). */
export function senderSettingsOf(config: SmsConfig): SmsSettings['sender'] {
  switch (config.sender) {
    case 'log':
      return { kind: 'log' };
    case 'kannel':
      return {
        kind: 'kannel',
        ...(config.senderUrl === undefined ? {} : { url: config.senderUrl }),
        ...(config.senderUsername === undefined ? {} : { username: config.senderUsername }),
        ...(config.senderPassword === undefined ? {} : { password: config.senderPassword }),
      };
    case 'webhook':
      return { kind: 'webhook', url: config.senderUrl as string, ...(config.senderSecret === undefined ? {} : { secret: config.senderSecret }) };
  }
}
