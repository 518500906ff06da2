import express, { type RequestHandler, type Router } from 'express';
import type { Knex } from 'knex';
import { CallerIdVerification } from '../../caller-ids';
import { defaultSettings } from '../../config';
import type { Logger } from '../../log/logger';
import { createStore, type Store } from '../../store';
import { LogSender } from '../../sms/outbound/log-sender';
import { OutboundSms } from '../../sms/outbound/outbound-sms';
import { systemClock, type Clock } from '../../time/clock';
import type { EventFanout } from '../live/fanout';
import { liveRoutes } from '../live/sse-routes';
import { accountRoutes } from './accounts';
import { apiKeyAuth } from './api-key-auth';
import { billingRoutes } from './billing';
import { callbackRoutes } from './callbacks';
import { callerIdRoutes } from './caller-ids';
import type { ApiContext, ApiEngine } from './context';
import { ApiError, apiErrorHandler } from './errors';
import { mediaRoutes } from './media';
import { DEFAULT_ORDER_LIMIT, type OrderLimit } from './order-limit';
import { buildOpenApi } from './openapi';
import { phoneBookRoutes } from './phone-book';
import { defineRoute, type Route } from './route';

export const API_PREFIX = '/api/v1';
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
  /** Where recordings and faxes are stored; unset: downloads answer 404. */
  mediaRoot?: string;
  /** Orders per account, counted in the database across instances (API and portal together); default 30 a minute. */
  orderLimit?: OrderLimit;
  /** Live status streams (W3); without it the event routes are not served. */
  fanout?: EventFanout;
  /** Sends the codes of caller-ID registrations; default: codes written to the log (embedded mode's SMS sender). */
  verification?: CallerIdVerification;
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
    mediaRoot: deps.mediaRoot ?? null,
    trigger,
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
export function principalRoutes(ctx: ApiContext, deps: Pick<ApiDependencies, 'orderLimit' | 'fanout'>): Route[] {
  return [
    ...callbackRoutes(ctx, deps.orderLimit ?? DEFAULT_ORDER_LIMIT),
    ...(deps.fanout ? liveRoutes(ctx, deps.fanout) : []),
    ...phoneBookRoutes(ctx),
    ...callerIdRoutes(ctx),
    ...accountRoutes(ctx),
    ...billingRoutes(ctx),
    ...mediaRoutes(ctx),
  ];
}

/** Mounts routes on a router, `auth` in front of the authenticated ones. */
export function mountRoutes(router: Router, routes: readonly Route[], auth: RequestHandler): void {
  for (const route of routes) {
    const chain = [...(route.meta.authenticated ? [auth] : []), ...(route.before ?? []), route.handler];
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
      document ??= buildOpenApi(routes(), { title: 'Callback API', version: '1', serverUrl: API_PREFIX });
      res.json(document);
    },
  );
}

/** The REST API's routes, the document's own included. */
export function apiRoutes(ctx: ApiContext, deps: Pick<ApiDependencies, 'orderLimit' | 'fanout'>): Route[] {
  const routes: Route[] = [];
  routes.push(openApiRoute(() => routes), ...principalRoutes(ctx, deps));
  return routes;
}

/** W1: the REST API, to mount at API_PREFIX. */
export function apiRouter(deps: ApiDependencies): Router {
  const ctx = apiContext(deps, 'api');
  const router = express.Router();
  router.use(express.json({ limit: BODY_LIMIT }));
  mountRoutes(router, apiRoutes(ctx, deps), apiKeyAuth({ store: ctx.store, operatorKeyHash: deps.operatorKeyHash }));
  router.use((req, _res, next) => next(new ApiError(404, 'not_found', `no route ${req.method} ${req.baseUrl}${req.path}`)));
  router.use(apiErrorHandler(deps.logger));
  return router;
}
