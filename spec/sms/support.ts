import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { CountryCode } from 'libphonenumber-js';
import { CallerIdVerification } from '../../lib/caller-ids';
import { defaultSettings } from '../../lib/config';
import { testLogger } from '../../lib/log/logger';
import type { SmsCallbackOrder } from '../../lib/sms';
import { engineOrdering, type PlaceOrder } from '../../lib/sms/engine-ordering';
import { smsWebhookRouter, type WebhookEndpoint } from '../../lib/sms/adapters/router';
import { SmsCommandHandler } from '../../lib/sms/inbound/handler';
import type { SenderLimit } from '../../lib/sms/inbound/sender-limit';
import { OutboundSms } from '../../lib/sms/outbound/outbound-sms';
import type { OutgoingSms, SendResult, SmsSender } from '../../lib/sms/outbound/sender';
import type { CallbackOrdering } from '../../lib/sms/ports';
import type { Store } from '../../lib/store';
import type { ManualClock } from '../../lib/time/clock';

let senderCounter = 0;

/**
 * A sender that keeps what it was asked to send. Each gets its own gateway name, so that the
 * retry sweep of one test never picks up another test's messages in the shared database.
 */
export class RecordingSender implements SmsSender {
  readonly name: string;
  readonly sent: OutgoingSms[] = [];
  /** Results to give, in order, before answering ok. */
  readonly failures: SendResult[] = [];

  constructor() {
    senderCounter += 1;
    this.name = `recording-${process.pid}-${senderCounter}`;
  }

  async send(sms: OutgoingSms): Promise<SendResult> {
    this.sent.push(sms);
    return this.failures.shift() ?? { ok: true };
  }

  textsTo(number: string): string[] {
    return this.sent.filter((sms) => sms.to === number).map((sms) => sms.text);
  }

  /** The caller-ID verification code in the last text to `number` (#15 item 8); '' when there is none. */
  codeSentTo(number: string): string {
    return /\b(\d{6})\b/.exec(this.textsTo(number).at(-1) ?? '')?.[1] ?? '';
  }
}

/**
 * The callback engine's ordering, stood in for by the store itself: a queued request row is what
 * the engine's placeOrder writes (and the scheduler's sweep picks up).
 */
export function storePlaceOrder(store: Store): PlaceOrder {
  return async (order) => {
    const { request, created } = await store.callbackRequests.create({
      accountId: order.accountId,
      trigger: order.trigger,
      source: order.source as SmsCallbackOrder['source'],
      destination: order.destination as SmsCallbackOrder['destination'],
      mode: order.mode,
      ...(order.dueAt === undefined ? {} : { dueAt: order.dueAt }),
      idempotencyKey: order.idempotencyKey,
    });
    return { request, created };
  };
}

export function storeOrdering(store: Store): CallbackOrdering {
  return engineOrdering(storePlaceOrder(store), store.callbackRequests);
}

export interface SmsHarnessOptions {
  store: Store;
  clock: ManualClock;
  ordering?: CallbackOrdering;
  generic?: WebhookEndpoint;
  kannel?: WebhookEndpoint;
  unauthorizedReply?: string | null;
  defaultCountry?: CountryCode;
  /** Mount behind a global express.json(), as the service's app does. */
  globalJson?: boolean;
  senderLimit?: SenderLimit;
}

export interface SmsHarness {
  app: Express;
  sender: RecordingSender;
  outbound: OutboundSms;
  handler: SmsCommandHandler;
  verification: CallerIdVerification;
}

export const GENERIC_SECRET = 'generic-secret-for-tests-0123456789';
export const KANNEL_SECRET = 'kannel-secret-for-tests-0123456789';

/** The real router, handler and outbound service on a real database; only the phone network is recorded. */
export function smsHarness(options: SmsHarnessOptions): SmsHarness {
  const logger = testLogger();
  const sender = new RecordingSender();
  const outbound = new OutboundSms({ messages: options.store.smsMessages, sender, clock: options.clock, logger });
  const verification = new CallerIdVerification({ store: options.store, sender: outbound, clock: options.clock, logger, settings: defaultSettings().verification });
  const handler = new SmsCommandHandler({
    store: options.store,
    ordering: options.ordering ?? storeOrdering(options.store),
    verification,
    replies: outbound,
    logger,
    defaultCountry: options.defaultCountry ?? 'DE',
    ...(options.unauthorizedReply === undefined ? {} : { unauthorizedReply: options.unauthorizedReply }),
    ...(options.senderLimit === undefined ? {} : { senderLimit: options.senderLimit }),
  });
  const app = express();
  if (options.globalJson) app.use(express.json({ limit: '64kb' }));
  app.use(
    smsWebhookRouter({
      messages: options.store.smsMessages,
      handler,
      logger,
      generic: options.generic ?? { secret: GENERIC_SECRET },
      kannel: options.kannel ?? { allowFrom: ['127.0.0.1', '::1'], secret: KANNEL_SECRET },
    }),
  );
  return { app, sender, outbound, handler, verification };
}

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local HTTP server answering with `respond`, recording every request it gets. */
export async function startHttpServer(
  respond: (request: RecordedRequest, res: http.ServerResponse) => void,
): Promise<{ url: string; requests: RecordedRequest[]; close: () => Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: new URL(req.url ?? '/', 'http://localhost'), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      respond(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Polls until `condition` holds, for work that runs on real I/O after a ManualClock timer fired. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
