import { scheduleIsoText } from '../../scheduler/schedule-time';
import type { Account, CallbackRequest } from '../../store';
import { WebhookTargetRefused } from '../webhooks/target-policy';
import { accountOrThrow, phoneNumber, type ApiContext } from './context';
import { ApiError, notFound } from './errors';
import { orderRateLimit, type OrderLimit } from './order-limit';
import { mayAccess, targetAccount, type Principal } from './principal';
import { defineRoute, type Route } from './route';
import { callbackDetail, callbackListQuery, callbackView, cancelResult, errorBody, idParams, orderBody, page } from './schemas';
import { callbackOut, legOut } from './views';

export type { OrderLimit } from './order-limit';

/** A request the principal may see, or "not found" (whether it exists elsewhere is nobody's business). */
export async function visibleRequest(ctx: ApiContext, principal: Principal, id: string): Promise<CallbackRequest> {
  const request = await ctx.store.callbackRequests.findById(id);
  if (!request || !mayAccess(principal, request.accountId)) throw notFound('callback');
  return request;
}

/** `at` as epoch ms; a time without an offset is the account's local time (T4). */
function dueAt(ctx: ApiContext, account: Account, at: string | undefined): number | undefined {
  return at === undefined ? undefined : scheduledDueAt(ctx, at, account.timeZone);
}

/**
 * An order's `at` (the API's and the portal's forms) as epoch ms, by the rule every path shares
 * (scheduler/schedule-time.ts: not past, at most 365 days ahead, not in a daylight-saving gap).
 * `invalid` words an unreadable value for a page that names no format.
 */
export function scheduledDueAt(ctx: ApiContext, at: string, timeZone: string, invalid?: string): number {
  const scheduled = scheduleIsoText(at, { now: ctx.clock.now(), zone: timeZone });
  if (scheduled.ok) return scheduled.dueAt;
  const message = scheduled.problem === 'invalid_time' && invalid !== undefined ? invalid : scheduled.message;
  throw new ApiError(400, 'validation_failed', message, 'at');
}

/** Refuses a status webhook URL that would make us call into the operator's own networks (SSRF). */
async function checkWebhookUrl(ctx: ApiContext, accountId: number, url: string): Promise<void> {
  try {
    await ctx.webhookTargets.check(url);
  } catch (error) {
    if (!(error instanceof WebhookTargetRefused)) throw error;
    ctx.logger.warn('status webhook URL refused', { accountId, reason: error.message });
    throw new ApiError(400, 'validation_failed', error.message, 'statusWebhookUrl');
  }
}

export function callbackRoutes(ctx: ApiContext, orderLimit: OrderLimit): Route[] {
  // In the database: N instances behind a balancer still allow the limit once, not N times.
  const ordering = orderRateLimit(ctx.store, orderLimit);

  const order = defineRoute(
    {
      method: 'post',
      path: '/callbacks',
      operationId: 'orderCallback',
      summary: 'Order a callback now or at a time',
      tag: 'callbacks',
      authenticated: true,
      body: orderBody,
      responses: {
        201: { description: 'ordered', schema: callbackView },
        200: { description: 'the idempotency key was used before: the earlier request', schema: callbackView },
        400: { description: 'invalid order', schema: errorBody },
        429: { description: 'too many orders', schema: errorBody },
      },
    },
    async ({ req, res, principal, body }) => {
      const accountId = targetAccount(principal, body.accountId);
      const account = await accountOrThrow(ctx, accountId);
      const source = phoneNumber(ctx, account, body.source, 'source');
      const destination = body.destination === null || body.destination === undefined ? null : phoneNumber(ctx, account, body.destination, 'destination');
      const idempotencyKey = body.idempotencyKey ?? req.get('idempotency-key') ?? undefined;
      if (body.statusWebhookUrl) await checkWebhookUrl(ctx, accountId, body.statusWebhookUrl);
      const { request, created } = await ctx.engine.order({
        accountId,
        trigger: ctx.trigger,
        source,
        destination,
        mode: body.mode,
        dueAt: dueAt(ctx, account, body.at),
        ...(idempotencyKey ? { idempotencyKey } : {}),
        ...(body.callerIdPolicy ? { callerIdPolicy: body.callerIdPolicy } : {}),
        ...(body.routingPolicy ? { routingPolicy: body.routingPolicy } : {}),
        ...(body.statusWebhookUrl ? { statusWebhookUrl: body.statusWebhookUrl } : {}),
        // An account key or a portal session orders for the subscriber; the operator key vouches itself (#15 item 5).
        bySubscriber: principal.kind === 'account',
      });
      res.status(created ? 201 : 200).location(`callbacks/${request.id}`).json(callbackOut(request));
    },
    [ordering],
  );

  const list = defineRoute(
    {
      method: 'get',
      path: '/callbacks',
      operationId: 'listCallbacks',
      summary: 'List callbacks, newest first',
      tag: 'callbacks',
      authenticated: true,
      query: callbackListQuery,
      responses: { 200: { description: 'a page of callbacks', schema: page(callbackView, 'CallbackPage') } },
    },
    async ({ res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId, true);
      const states = query.state?.split(',');
      // One row more than asked tells whether there is a next page.
      const rows = await ctx.store.callbackRequests.list({ accountId, states, limit: query.limit + 1, offset: query.offset });
      const items = rows.slice(0, query.limit).map(callbackOut);
      res.json({ items, limit: query.limit, offset: query.offset, nextOffset: rows.length > query.limit ? query.offset + query.limit : null });
    },
  );

  const get = defineRoute(
    {
      method: 'get',
      path: '/callbacks/:id',
      operationId: 'getCallback',
      summary: 'A callback with its legs and their costs',
      tag: 'callbacks',
      authenticated: true,
      params: idParams,
      responses: { 200: { description: 'the callback', schema: callbackDetail }, 404: { description: 'no such callback', schema: errorBody } },
    },
    async ({ res, principal, params }) => {
      const request = await visibleRequest(ctx, principal, params.id);
      const legs = await ctx.store.legs.listForRequest(request.id);
      const costMinor = legs.reduce((sum, leg) => sum + (leg.costMinor ?? 0), 0);
      res.json({ ...callbackOut(request), legs: legs.map(legOut), costMinor });
    },
  );

  const cancel = defineRoute(
    {
      method: 'delete',
      path: '/callbacks/:id',
      operationId: 'cancelCallback',
      summary: 'Cancel a callback (waiting or in progress)',
      tag: 'callbacks',
      authenticated: true,
      params: idParams,
      responses: {
        200: { description: 'cancelled', schema: cancelResult },
        404: { description: 'no such callback', schema: errorBody },
        409: { description: 'the callback has ended already', schema: errorBody },
      },
    },
    async ({ res, principal, params }) => {
      const request = await visibleRequest(ctx, principal, params.id);
      const cancelled = await ctx.engine.cancel(request.id);
      if (!cancelled) throw new ApiError(409, 'not_cancellable', `the callback is ${request.state} and can no longer be cancelled`);
      const after = (await ctx.store.callbackRequests.findById(request.id)) ?? request;
      res.json({ cancelled: true, callback: callbackOut(after) });
    },
  );

  return [order, list, get, cancel];
}
