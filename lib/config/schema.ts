import { z } from 'zod';
import { DEFAULT_MAX_LATE_SOCKETS } from '../callback/engine/socket-window';
import { billingSchema } from './billing-schema';
import { callbackSchema } from './callback-schema';
import { databaseSchema } from './database-schema';
import { featuresSchema } from './features-schema';
import { freeswitchSchema } from './freeswitch-schema';
import { mediaSchema } from './media-schema';
import { queueSchema } from './queue-schema';
import { routingSchema } from './routing-schema';
import { schedulerSchema } from './scheduler-schema';
import { setting } from './setting-meta';
import { signUpSchema } from './sign-up-schema';
import { smsSchema } from './sms-schema';
import { verificationSchema } from './verification-schema';
import { ADDRESSES_ALLOWED, addressListSchema, hostSchema, PORT_ALLOWED, portSchema, urlSchema } from './value-schemas';

/*
 * The whole service's settings. Every default gives the embedded mode: SQLite under ./data,
 * the in-process queue and the bundled FreeSWITCH simulator, so `npm start` needs nothing else.
 * Environment variable names and the docs table are derived from this schema (see walk.ts).
 */

const HOST_ALLOWED = 'a host name or IP address';
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

const log = z
  .strictObject({
    level: setting(z.enum(['error', 'warn', 'info', 'debug']).default('info'), 'Least severe level written.'),
    format: setting(z.enum(['json', 'pretty']).default('pretty'), 'Line format: `json` for log collectors, `pretty` for a terminal.', {
      defaultText: '`"pretty"` (`"json"` when env is production)',
    }),
  })
  .prefault({});

const http = z
  .strictObject({
    host: setting(hostSchema().default('127.0.0.1'), 'Address the REST API and portal listen on.', { allowed: HOST_ALLOWED }),
    port: setting(portSchema().default(8080), 'Port of the REST API and portal.', { allowed: PORT_ALLOWED }),
    publicUrl: setting(
      urlSchema({ protocols: ['http:', 'https:'], allowed: 'an http:// or https:// URL' }).optional(),
      'Address subscribers and webhooks reach us at, when behind a proxy; used in links we send.',
      { allowed: 'an http:// or https:// URL' },
    ),
    ordersPerAccount: setting(
      z.number().int().min(1).max(100_000).default(30),
      'Callbacks one account may order through the API and the portal per orderWindowSeconds, counted in the database across instances; beyond it: 429 with Retry-After.',
    ),
    orderWindowSeconds: setting(z.number().int().min(1).max(86_400).default(60), 'The window of ordersPerAccount, in seconds.'),
    maxConnections: setting(
      z.number().int().min(1).max(1_000_000).default(2_000),
      'Most TCP connections the HTTP server holds at once (live streams included); a connection beyond it is closed as it arrives, with a log line.',
    ),
    maxStreams: setting(
      z.number().int().min(1).max(1_000_000).default(1_000),
      'Most live status streams (Server-Sent Events) open at once on this instance, all keys together; beyond it: 429 with Retry-After.',
    ),
    maxStreamsPerClient: setting(
      z.number().int().min(1).max(100_000).default(20),
      'Most live status streams one client (an API key, a portal login, the operator key) may have open at once on this instance; beyond it: 429 with Retry-After.',
    ),
    headersTimeoutMs: setting(
      z.number().int().min(100).max(600_000).default(10_000),
      'Time a client has to send a request\'s headers; then it gets 408 and its connection is closed. At most requestTimeoutMs.',
    ),
    requestTimeoutMs: setting(
      z.number().int().min(100).max(3_600_000).default(30_000),
      'Time a client has to send a whole request, headers and body; then it gets 408 and its connection is closed. Responses (live streams, downloads) are not limited by it.',
    ),
    keepAliveTimeoutMs: setting(
      z.number().int().min(100).max(600_000).default(5_000),
      'How long an idle keep-alive connection is kept open for its next request.',
    ),
    webhookAllowPrivateTargets: setting(
      addressListSchema().optional(),
      'Addresses status webhooks may reach although they are loopback, private (RFC 1918, fc00::/7), link-local, carrier-grade NAT or otherwise local; unset: none. This service\'s own API is refused even when listed.',
      { allowed: ADDRESSES_ALLOWED },
    ),
  })
  .superRefine((value, ctx) => {
    // Node refuses a headers timeout longer than the request timeout.
    if (value.headersTimeoutMs > value.requestTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['headersTimeoutMs'], message: `expected at most http.requestTimeoutMs (${value.requestTimeoutMs})` });
    }
  })
  .prefault({});

const socketServer = z
  .strictObject({
    host: setting(hostSchema().default('127.0.0.1'), 'Address the outbound-socket server listens on.', { allowed: HOST_ALLOWED }),
    port: setting(portSchema().default(8084), 'Port of the outbound-socket server.', { allowed: PORT_ALLOWED }),
    advertiseHost: setting(hostSchema().optional(), 'Address FreeSWITCH connects back to in `&socket(host:port async full)`.', {
      allowed: HOST_ALLOWED,
      defaultText: 'same as `socketServer.host`',
    }),
    allowFrom: setting(
      addressListSchema().optional(),
      'Addresses FreeSWITCH may connect to the outbound-socket server from; any other peer is closed and logged. Setting it replaces the default.',
      { allowed: ADDRESSES_ALLOWED, defaultText: 'loopback (127.0.0.0/8, ::1) and each node of `freeswitch.nodes` (host names resolved when a peer connects)' },
    ),
    maxLateSockets: setting(
      z.number().int().min(1).max(100_000).default(DEFAULT_MAX_LATE_SOCKETS),
      "Per FreeSWITCH node: while this many of its legs A are answered but their outbound socket is not taken in yet, or originated but not yet taken by FreeSWITCH, new legs A wait to be dialed there (as they do while one of its sockets has waited 2 s and no younger one came meanwhile), and go to another node that may carry them: a busy controller then queues no more sockets than it takes in before FreeSWITCH gives up on them (25 s), and one node's trouble does not hold up the others.",
    ),
  })
  .transform((value) => ({ ...value, advertiseHost: value.advertiseHost ?? value.host }))
  .prefault({});

const simulator = z
  .strictObject({
    host: setting(hostSchema().default('127.0.0.1'), 'Address the bundled simulator listens on (freeswitch.mode = simulator).', { allowed: HOST_ALLOWED }),
    eslPort: setting(portSchema().default(8021), 'Event Socket port of the bundled simulator.', { allowed: PORT_ALLOWED }),
    cdrUrl: setting(
      urlSchema({ protocols: ['http:', 'https:'], allowed: 'an http:// or https:// URL' }).optional(),
      'Where the bundled simulator posts a mod_json_cdr CDR for every leg that ends (with `security.cdrSecret`).',
      { allowed: 'an http:// or https:// URL', defaultText: "this service's own `/freeswitch/json-cdr`" },
    ),
    demoCallback: setting(
      z.boolean().default(true),
      'At start-up in simulator mode, order one callback from the demo account between two simulated phones and log both legs, so a newcomer sees the service work end to end.',
    ),
  })
  .prefault({});

const security = z
  .strictObject({
    operatorApiKey: setting(z.string().min(24).optional(), 'Key for the operator endpoints of the REST API; unset disables them.'),
    cdrSecret: setting(
      z.string().min(24).regex(/^[^:\s]+$/, 'expected no colon or white space (it is the password of a `user:password` pair)').optional(),
      'Password FreeSWITCH\'s mod_json_cdr must send (HTTP basic, user `freeswitch`: `cred` in json_cdr.conf.xml) to post CDRs; unset: a random one per process, so only the bundled simulator can post.',
    ),
    webhookSecret: setting(
      z.string().min(24).optional(),
      'HMAC-SHA256 key signing status webhooks (X-Callback-Signature); unset: a random key per process, which receivers cannot verify across restarts.',
    ),
    rotationGraceSeconds: setting(
      z.number().int().min(0).max(30 * 86_400).default(0),
      'How long an API key keeps working after it is rotated (`api-keys rotate`, `POST /api/v1/api-keys/:id/rotate`), so its clients can move to the new key; 0: it stops at once.',
    ),
  })
  .prefault({});

export const settingsSchema = z
  .strictObject({
    env: setting(z.enum(['development', 'production', 'test']).default('development'), 'Deployment kind; production switches logs to JSON.'),
    log,
    http,
    database: databaseSchema,
    queue: queueSchema,
    scheduler: schedulerSchema,
    freeswitch: freeswitchSchema,
    socketServer,
    callback: callbackSchema,
    routing: routingSchema,
    billing: billingSchema,
    features: featuresSchema,
    media: mediaSchema,
    simulator,
    security,
    sms: smsSchema,
    verification: verificationSchema,
    signUp: signUpSchema,
  })
  .superRefine((value, ctx) => {
    // These need two sections at once, so they cannot live in the sections themselves.
    const external = value.freeswitch.mode === 'external';
    const names = value.freeswitch.nodes.map((node) => node.name);
    if (external && value.callback.callbackServer !== 'any' && names.length > 0 && !names.includes(value.callback.callbackServer)) {
      ctx.addIssue({
        code: 'custom',
        path: ['callback', 'callbackServer'],
        message: `expected "any" or the name of a node in freeswitch.nodes: ${names.map((name) => JSON.stringify(name)).join(', ')}`,
      });
    }
    if (external && WILDCARD_HOSTS.has(value.socketServer.advertiseHost)) {
      ctx.addIssue({
        code: 'custom',
        path: ['socketServer', 'advertiseHost'],
        message: 'expected an address FreeSWITCH can connect to; set it when socketServer.host listens on all interfaces',
      });
    }
  });

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;
export type { DatabaseSettings } from './database-schema';
export type { QueueSettings } from './queue-schema';
export type { SchedulerSettings } from './scheduler-schema';
export type { FreeswitchNodeSettings, FreeswitchSettings } from './freeswitch-schema';
export type { CallbackSettings } from './callback-schema';
export type { VerificationSettings } from './verification-schema';

/** The embedded-mode settings, for tests and tools that need a complete Settings value. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}
