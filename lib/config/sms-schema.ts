import { z } from 'zod';
import { setting } from './setting-meta';
import { ADDRESSES_ALLOWED, addressListSchema, urlSchema } from './value-schemas';

const HTTP_URL_ALLOWED = 'an http:// or https:// URL';

/*
 * T2: how SMS arrive (webhooks, each mounted only when it has a secret or an allow-list) and
 * how replies leave (a sender: the log in embedded mode, Kannel's sendsms, or an HTTP webhook).
 */
export const smsSchema = z
  .strictObject({
    sender: setting(z.enum(['log', 'kannel', 'webhook']).default('log'), 'Where replies go: `log` (embedded mode), `kannel` (sendsms), `webhook` (POST JSON).'),
    senderUrl: setting(urlSchema({ protocols: ['http:', 'https:'], allowed: HTTP_URL_ALLOWED }).optional(), "Kannel's sendsms URL or the webhook receiving replies.", {
      allowed: HTTP_URL_ALLOWED,
    }),
    senderUsername: setting(z.string().min(1).optional(), "Kannel sendsms-user's username."),
    senderPassword: setting(z.string().min(1).optional(), "Kannel sendsms-user's password."),
    senderSecret: setting(z.string().min(16).optional(), 'Sent as X-Callback-Secret to the reply webhook.'),
    genericSecret: setting(z.string().min(16).optional(), 'Secret for POST /sms/inbound/generic (X-Callback-Secret header or ?secret=); unset with no allow-list leaves the endpoint off.'),
    genericAllowFrom: setting(addressListSchema().optional(), 'Addresses allowed to post to /sms/inbound/generic.', { allowed: ADDRESSES_ALLOWED }),
    kannelSecret: setting(z.string().min(16).optional(), "Secret in Kannel's get-url for /sms/inbound/kannel; unset with no allow-list leaves the endpoint off."),
    kannelAllowFrom: setting(addressListSchema().optional(), "Addresses of Kannel's smsbox allowed to call /sms/inbound/kannel.", { allowed: ADDRESSES_ALLOWED }),
    unauthorizedReply: setting(
      z.string().max(160).nullable().optional(),
      'Reply to numbers that may not command; null for silence; unset for the default text.',
    ),
    commandsPerSender: setting(
      z.number().int().min(1).max(1000).default(10),
      'Messages one sender number may have acted on per senderWindowMinutes, counted in the database across instances; further ones are stored as `rate_limited` and not acted on.',
    ),
    senderWindowMinutes: setting(z.number().int().min(1).max(1440).default(10), 'The window of commandsPerSender, in minutes.'),
    rateLimitedReply: setting(
      z.string().max(160).nullable().optional(),
      'Sent once per window to a sender over commandsPerSender; null for silence; unset for the default text.',
    ),
  })
  .superRefine((value, ctx) => {
    if (value.sender !== 'log' && value.senderUrl === undefined) {
      ctx.addIssue({ code: 'custom', path: ['senderUrl'], message: `sms.sender = ${value.sender} needs sms.senderUrl` });
    }
  })
  .prefault({});

export type SmsConfig = z.infer<typeof smsSchema>;
