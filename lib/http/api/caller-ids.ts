import { z } from 'zod';
import { accountOrThrow, phoneNumber, type ApiContext } from './context';
import { notFound } from './errors';
import { targetAccount } from './principal';
import { defineRoute, type Route } from './route';
import { accountQuery, callerIdBody, callerIdPatch, callerIdView, errorBody, numberParams } from './schemas';
import { callerIdOut } from './views';

/** A1: the numbers that act for the account when they call or text, once authorization is allowed. */
export function callerIdRoutes(ctx: ApiContext): Route[] {
  const list = defineRoute(
    {
      method: 'get',
      path: '/caller-ids',
      operationId: 'listCallerIds',
      summary: 'The account\'s registered numbers',
      tag: 'caller IDs',
      authenticated: true,
      query: accountQuery,
      responses: { 200: { description: 'numbers', schema: z.object({ items: z.array(callerIdView) }) } },
    },
    async ({ res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId);
      res.json({ items: (await ctx.store.callerIds.listForAccount(accountId)).map(callerIdOut) });
    },
  );

  const register = defineRoute(
    {
      method: 'post',
      path: '/caller-ids',
      operationId: 'registerCallerId',
      summary: 'Register a number (a number belongs to one account only)',
      tag: 'caller IDs',
      authenticated: true,
      body: callerIdBody,
      responses: {
        201: { description: 'registered', schema: callerIdView },
        409: { description: 'the number is registered already', schema: errorBody },
      },
    },
    async ({ res, principal, body }) => {
      const account = await accountOrThrow(ctx, targetAccount(principal, body.accountId));
      const number = phoneNumber(ctx, account, body.number, 'number');
      const callerId = await ctx.store.callerIds.add({ accountId: account.id, number, allowAuthorization: body.allowAuthorization });
      res.status(201).json(callerIdOut(callerId));
    },
  );

  const patch = defineRoute(
    {
      method: 'patch',
      path: '/caller-ids/:number',
      operationId: 'setCallerIdAuthorization',
      summary: 'Allow or stop authorization by this number',
      tag: 'caller IDs',
      authenticated: true,
      params: numberParams,
      query: accountQuery,
      body: callerIdPatch,
      responses: { 200: { description: 'changed', schema: callerIdView }, 404: { description: 'not a number of the account', schema: errorBody } },
    },
    async ({ res, principal, params, query, body }) => {
      const account = await accountOrThrow(ctx, targetAccount(principal, query.accountId));
      const number = phoneNumber(ctx, account, params.number, 'number');
      if (!(await ctx.store.callerIds.setAllowAuthorization(account.id, number, body.allowAuthorization))) throw notFound('caller ID');
      const callerId = await ctx.store.callerIds.findByNumber(number);
      if (!callerId) throw notFound('caller ID');
      res.json(callerIdOut(callerId));
    },
  );

  const remove = defineRoute(
    {
      method: 'delete',
      path: '/caller-ids/:number',
      operationId: 'removeCallerId',
      summary: 'Remove a number',
      tag: 'caller IDs',
      authenticated: true,
      params: numberParams,
      query: accountQuery,
      responses: { 204: { description: 'removed' }, 404: { description: 'not a number of the account', schema: errorBody } },
    },
    async ({ res, principal, params, query }) => {
      const account = await accountOrThrow(ctx, targetAccount(principal, query.accountId));
      const number = phoneNumber(ctx, account, params.number, 'number');
      if (!(await ctx.store.callerIds.remove(account.id, number))) throw notFound('caller ID');
      res.status(204).end();
    },
  );

  return [list, register, patch, remove];
}
