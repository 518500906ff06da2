import { z } from 'zod';
import { accountOrThrow, phoneNumber, type ApiContext } from './context';
import { notFound } from './errors';
import { targetAccount } from './principal';
import { defineRoute, type Route } from './route';
import { accountQuery, errorBody, numberParams, phoneBookBody, phoneBookEntry, phoneBookRename } from './schemas';
import { phoneBookOut } from './views';

/** W4: the subscriber's phone book, keyed by number (one entry per number and account). */
export function phoneBookRoutes(ctx: ApiContext): Route[] {
  const list = defineRoute(
    {
      method: 'get',
      path: '/phone-book',
      operationId: 'listPhoneBook',
      summary: 'The phone book, by name',
      tag: 'phone book',
      authenticated: true,
      query: accountQuery,
      responses: { 200: { description: 'entries', schema: z.object({ items: z.array(phoneBookEntry) }) } },
    },
    async ({ res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId);
      res.json({ items: (await ctx.store.phoneBook.list(accountId)).map(phoneBookOut) });
    },
  );

  const save = defineRoute(
    {
      method: 'post',
      path: '/phone-book',
      operationId: 'savePhoneBookEntry',
      summary: 'Add a number, or rename it when it is there already',
      tag: 'phone book',
      authenticated: true,
      body: phoneBookBody,
      responses: { 201: { description: 'saved', schema: phoneBookEntry }, 400: { description: 'invalid entry', schema: errorBody } },
    },
    async ({ res, principal, body }) => {
      const account = await accountOrThrow(ctx, targetAccount(principal, body.accountId));
      const number = phoneNumber(ctx, account, body.number, 'number');
      const entry = await ctx.store.phoneBook.save({ accountId: account.id, name: body.name, number });
      res.status(201).json(phoneBookOut(entry));
    },
  );

  const rename = defineRoute(
    {
      method: 'put',
      path: '/phone-book/:number',
      operationId: 'renamePhoneBookEntry',
      summary: 'Rename an entry',
      tag: 'phone book',
      authenticated: true,
      params: numberParams,
      query: accountQuery,
      body: phoneBookRename,
      responses: { 200: { description: 'renamed', schema: phoneBookEntry }, 404: { description: 'no such entry', schema: errorBody } },
    },
    async ({ res, principal, params, query, body }) => {
      const account = await accountOrThrow(ctx, targetAccount(principal, query.accountId));
      const number = phoneNumber(ctx, account, params.number, 'number');
      if (!(await ctx.store.phoneBook.find(account.id, number))) throw notFound('phone book entry');
      res.json(phoneBookOut(await ctx.store.phoneBook.save({ accountId: account.id, name: body.name, number })));
    },
  );

  const remove = defineRoute(
    {
      method: 'delete',
      path: '/phone-book/:number',
      operationId: 'deletePhoneBookEntry',
      summary: 'Remove an entry',
      tag: 'phone book',
      authenticated: true,
      params: numberParams,
      query: accountQuery,
      responses: { 204: { description: 'removed' }, 404: { description: 'no such entry', schema: errorBody } },
    },
    async ({ res, principal, params, query }) => {
      const account = await accountOrThrow(ctx, targetAccount(principal, query.accountId));
      const number = phoneNumber(ctx, account, params.number, 'number');
      if (!(await ctx.store.phoneBook.remove(account.id, number))) throw notFound('phone book entry');
      res.status(204).end();
    },
  );

  return [list, save, rename, remove];
}
