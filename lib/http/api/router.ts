import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import { CallerIdVerification } from '../../caller-ids';
import { defaultSettings } from '../../config';
import { systemSettingsOf, type SystemSettings } from '../../settings';
import type { Logger } from '../../log/logger';
import { createStore, type Store } from '../../store';
import { LogSender } from '../../sms/outbound/log-sender';
import { OutboundSms } from '../../sms/outbound/outbound-sms';
import { systemClock, type Clock } from '../../time/clock';
import type { EventFanout } from '../live/fanout';
import { liveRoutes } from '../live/sse-routes';
import { DEFAULT_STREAM_LIMITS, StreamSlots } from '../live/stream-slots';
import { webhookTargetPolicy } from '../webhooks/target-policy';
import { WebhookTargets } from '../webhooks/webhook-targets';
import { accountAccessRoutes } from './account-access';
import { accountRoutes } from './accounts';
import { settingOverrideRoutes } from './setting-overrides';
import { apiKeyAuth } from './api-key-auth';
import { billingRoutes } from './billing';
import { callbackRoutes } from './callbacks';
import { callerIdRoutes } from './caller-ids';
import { carrierRoutes } from './carriers';
import type { ApiContext, ApiEngine } from './context';
import { ApiError, apiErrorHandler, forbidden } from './errors';
import { mediaRoutes } from './media';
import { DEFAULT_ORDER_LIMIT, type OrderLimit } from './order-limit';
import { buildOpenApi } from './openapi';
import { phoneBookRoutes } from './phone-book';
import { principalOf } from './principal';
import { reportsRoute } from './reports';
import { defineRoute, type Route } from './route';

export const API_PREFIX = '/api/v1';
/** The API's name and version, as the OpenAPI document and the index give them. */
const API_INFO = { title: 'Callback API', version: '1' } as const;
/** The API's own limit (the app's parser may have read the body first, with its own). */
const BODY_LIMIT = '64kb';

export interface ApiDependencies {
  engine: ApiEngine;
  db: Knex;
  logger: Logger;
  clock?: Clock;
  /** SHA-256 hex of settings.security.operatorApiKey. */
  operatorKeyHash?: string;
  /** settings.callback.defaultCountry */
  defaultCountry?: string;
  /** The system values under account and access-number overrides (`systemSettingsOf(settings)`); default: the embedded defaults'. */
  system?: SystemSettings;
  /** Where recordings and faxes are stored; unset: downloads answer 404. */
  mediaRoot?: string;
  /** Orders per account, counted in the database across instances (API and portal together); default 30 a minute. */
  orderLimit?: OrderLimit;
  /** Live status streams (W3); without it the event routes are not served. */
  fanout?: EventFanout;
  /** Open live streams, counted per key and in total; share one between the API and the portal. Default: a counter of their own with DEFAULT_STREAM_LIMITS. */
  liveStreams?: StreamSlots;
  /** Where status webhooks may point; default: no private or local target at all. */
  webhookTargets?: WebhookTargets;
  /** Sends the codes of caller-ID registrations; default: codes written to the log (embedded mode's SMS sender). */
  verification?: CallerIdVerification;
  /** settings.security.rotationGraceSeconds, in ms; default 0 (a rotated key stops at once). */
  apiKeyRotationGraceMs?: number;
}

export function apiContext(deps: ApiDependencies, trigger: ApiContext['trigger']): ApiContext {
  const clock = deps.clock ?? systemClock;
  const store = createStore(deps.db, () => clock.now());
  return {
    engine: deps.engine,
    store,
    clock,
    logger: deps.logger,
    defaultCountry: deps.defaultCountry ?? 'US',
    system: deps.system ?? systemSettingsOf(defaultSettings()),
    mediaRoot: deps.mediaRoot ?? null,
    trigger,
    webhookTargets: deps.webhookTargets ?? new WebhookTargets({ policy: webhookTargetPolicy(), clock }),
    verification: deps.verification ?? loggedCodes(store, clock, deps.logger),
  };
}

/** Embedded mode's verification: codes go out through the log sender, as every SMS there does. */
function loggedCodes(store: Store, clock: Clock, logger: Logger): CallerIdVerification {
  const sender = new LogSender(logger);
  const outbound = new OutboundSms({ messages: store.smsMessages, sender, clock, logger, autoRetry: false });
  return new CallerIdVerification({ store, sender: outbound, clock, logger, settings: defaultSettings().verification });
}

/** Every route that acts for a principal: the REST API serves them with API keys, the portal with its session. */
export function principalRoutes(ctx: ApiContext, deps: Pick<ApiDependencies, 'orderLimit' | 'fanout' | 'liveStreams'>): Route[] {
  return [
    ...callbackRoutes(ctx, deps.orderLimit ?? DEFAULT_ORDER_LIMIT),
    ...(deps.fanout ? liveRoutes(ctx, deps.fanout, deps.liveStreams ?? new StreamSlots(DEFAULT_STREAM_LIMITS)) : []),
    ...phoneBookRoutes(ctx),
    ...callerIdRoutes(ctx),
    ...accountRoutes(ctx),
    ...settingOverrideRoutes(ctx),
    ...billingRoutes(ctx),
    ...mediaRoutes(ctx),
  ];
}

const operatorGuard: RequestHandler = (_req, res, next) => next(principalOf(res).kind === 'operator' ? undefined : forbidden('this needs the operator key'));

/** Mounts routes on a router: `auth` in front of the authenticated ones, an operator check in front of the operator's. */
export function mountRoutes(router: Router, routes: readonly Route[], auth: RequestHandler): void {
  for (const route of routes) {
    const chain = [...(route.meta.authenticated ? [auth] : []), ...(route.meta.operatorOnly ? [operatorGuard] : []), ...(route.before ?? []), route.handler];
    router[route.meta.method](route.meta.path, ...chain);
  }
}

function openApiRoute(routes: () => readonly Route[]): Route {
  let document: Record<string, unknown> | undefined;
  return defineRoute(
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApiDocument',
      summary: 'This document',
      tag: 'meta',
      authenticated: false,
      responses: { 200: { description: 'the OpenAPI 3.1 document', contentType: 'application/json' } },
    },
    ({ res }) => {
      document ??= buildOpenApi(routes(), { ...API_INFO, serverUrl: API_PREFIX });
      res.json(document);
    },
  );
}

/**
 * `GET /api/v1/`: where to go from here, so that a client (or a newcomer with curl) starting at the
 * root finds the document and the collections; the collections are read from the routes.
 */
function indexRoute(routes: () => readonly Route[]): Route {
  return defineRoute(
    {
      method: 'get',
      path: '/',
      operationId: 'apiIndex',
      summary: 'Links to the OpenAPI document and the collections',
      tag: 'meta',
      authenticated: false,
      responses: { 200: { description: 'the index', schema: apiIndex } },
    },
    ({ res }) => {
      const collections = routes()
        .map((route) => route.meta)
        .filter((meta) => meta.method === 'get' && meta.authenticated && !meta.path.includes(':'))
        .map((meta) => ({ path: `${API_PREFIX}${meta.path}`, summary: meta.summary, ...(meta.operatorOnly ? { operatorOnly: true } : {}) }));
      res.json({ name: API_INFO.title, version: API_INFO.version, openapi: `${API_PREFIX}/openapi.json`, authentication: 'Authorization: Bearer <API key>', collections });
    },
  );
}

const apiIndex = z.object({
  name: z.string(),
  version: z.string(),
  openapi: z.string().meta({ description: 'the OpenAPI 3.1 document' }),
  authentication: z.string(),
  collections: z.array(z.object({ path: z.string(), summary: z.string(), operatorOnly: z.boolean().optional() })),
});

/** The REST API's routes: the index and the document included, and the operator's reports, account access and carriers. */
export function apiRoutes(ctx: ApiContext, deps: Pick<ApiDependencies, 'orderLimit' | 'fanout' | 'liveStreams' | 'db' | 'apiKeyRotationGraceMs'>): Route[] {
  const routes: Route[] = [];
  routes.push(
    indexRoute(() => routes),
    openApiRoute(() => routes),
    ...principalRoutes(ctx, deps),
    reportsRoute(deps.db),
    ...accountAccessRoutes(ctx, deps.apiKeyRotationGraceMs ?? 0),
    ...carrierRoutes(ctx),
  );
  return routes;
}

/** W1: the REST API, to mount at API_PREFIX. */
export function apiRouter(deps: ApiDependencies): Router {
  const ctx = apiContext(deps, 'api');
  const router = express.Router();
  router.use(express.json({ limit: BODY_LIMIT }));
  mountRoutes(router, apiRoutes(ctx, deps), apiKeyAuth({ store: ctx.store, logger: deps.logger, operatorKeyHash: deps.operatorKeyHash }));
  router.use((req, _res, next) => next(new ApiError(404, 'not_found', `no route ${req.method} ${req.baseUrl}${req.path}`)));
  router.use(apiErrorHandler(deps.logger));
  return router;
}
