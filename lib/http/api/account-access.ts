import { z } from 'zod';
import { AccountAccess } from '../../onboarding/account-access';
import { accountOrThrow, type ApiContext } from './context';
import { notFound } from './errors';
import type { Principal } from './principal';
import { defineRoute, type Route } from './route';
import {
  accountParams,
  apiKeyBody,
  apiKeyView,
  errorBody,
  issuedKeyView,
  numericIdParams,
  passwordBody,
  portalUserBody,
  portalUserPatch,
  portalUserView,
  portalUserWithPassword,
} from './schemas';
import { apiKeyOut, portalUserOut } from './views';

const operatorOnly = { authenticated: true, operatorOnly: true } as const;
const notOperator = { 403: { description: 'not the operator', schema: errorBody } } as const;

/**
 * Issue #18 item 5: the operator hands accounts their API keys and portal logins. A key or a
 * generated password is in the answer that creates it, and nowhere else, ever.
 */
export function accountAccessRoutes(ctx: ApiContext, rotationGraceMs: number): Route[] {
  const access = (principal: Principal): AccountAccess =>
    new AccountAccess(ctx.store, (reason, accountId, details) => ctx.store.auditLog.record({ kind: 'operator', reason, accountId, details: { via: 'api', by: principal.label, ...details } }), rotationGraceMs);

  const listAllKeys = defineRoute(
    {
      method: 'get',
      path: '/api-keys',
      operationId: 'listAllApiKeys',
      summary: "Every API key, the operator's (`operator`: true) and every account's, revoked ones included (operator only)",
      tag: 'access',
      ...operatorOnly,
      responses: { 200: { description: "the operator's keys, then each account's", schema: z.object({ items: z.array(apiKeyView) }) }, ...notOperator },
    },
    async ({ res }) => {
      res.json({ items: (await ctx.store.apiKeys.listAll()).map(apiKeyOut) });
    },
  );

  const listKeys = defineRoute(
    {
      method: 'get',
      path: '/accounts/:id/api-keys',
      operationId: 'listApiKeys',
      summary: "An account's API keys with when each was last used, revoked ones included (operator only)",
      tag: 'access',
      ...operatorOnly,
      params: accountParams,
      responses: { 200: { description: 'keys', schema: z.object({ items: z.array(apiKeyView) }) }, ...notOperator, 404: { description: 'no such account', schema: errorBody } },
    },
    async ({ res, params }) => {
      const account = await accountOrThrow(ctx, Number(params.id));
      res.json({ items: (await ctx.store.apiKeys.list(account.id)).map(apiKeyOut) });
    },
  );

  const createKey = defineRoute(
    {
      method: 'post',
      path: '/accounts/:id/api-keys',
      operationId: 'createApiKey',
      summary: 'Issue an API key for an account; the key is in this answer only (operator only)',
      tag: 'access',
      ...operatorOnly,
      params: accountParams,
      body: apiKeyBody,
      responses: { 201: { description: 'issued', schema: issuedKeyView }, ...notOperator, 404: { description: 'no such account', schema: errorBody } },
    },
    async ({ res, principal, params, body }) => {
      const account = await accountOrThrow(ctx, Number(params.id));
      const { apiKey, plainKey } = await access(principal).issueKey(account.id, body.label);
      res.status(201).json({ apiKey: apiKeyOut(apiKey), key: plainKey });
    },
  );

  const rotateKey = defineRoute(
    {
      method: 'post',
      path: '/api-keys/:id/rotate',
      operationId: 'rotateApiKey',
      summary: 'Replace an API key: the new one works at once, the old one stops after the grace period (security.rotationGraceSeconds) (operator only)',
      tag: 'access',
      ...operatorOnly,
      params: numericIdParams,
      responses: { 201: { description: 'the new key, and the old one with when it stops', schema: issuedKeyView }, ...notOperator, 404: { description: 'no such key, or it is revoked', schema: errorBody } },
    },
    async ({ res, principal, params }) => {
      const rotated = await access(principal).rotateKey(params.id);
      if (!rotated) throw notFound('API key that still works');
      res.status(201).json({ apiKey: apiKeyOut(rotated.issued.apiKey), key: rotated.issued.plainKey, replaced: apiKeyOut(rotated.replaced) });
    },
  );

  const revokeKey = defineRoute(
    {
      method: 'delete',
      path: '/api-keys/:id',
      operationId: 'revokeApiKey',
      summary: 'Revoke an API key at once; requests with it are refused from now on (operator only)',
      tag: 'access',
      ...operatorOnly,
      params: numericIdParams,
      responses: { 200: { description: 'revoked (or already was)', schema: apiKeyView }, ...notOperator, 404: { description: 'no such key', schema: errorBody } },
    },
    async ({ res, principal, params }) => {
      const revoked = await access(principal).revokeKey(params.id);
      if (!revoked) throw notFound('API key');
      res.json(apiKeyOut(revoked.apiKey));
    },
  );

  const listUsers = defineRoute(
    {
      method: 'get',
      path: '/accounts/:id/portal-users',
      operationId: 'listPortalUsers',
      summary: "An account's portal logins (operator only)",
      tag: 'access',
      ...operatorOnly,
      params: accountParams,
      responses: { 200: { description: 'logins', schema: z.object({ items: z.array(portalUserView) }) }, ...notOperator, 404: { description: 'no such account', schema: errorBody } },
    },
    async ({ res, params }) => {
      const account = await accountOrThrow(ctx, Number(params.id));
      res.json({ items: (await ctx.store.portalUsers.listForAccount(account.id)).map(portalUserOut) });
    },
  );

  const createUser = defineRoute(
    {
      method: 'post',
      path: '/accounts/:id/portal-users',
      operationId: 'createPortalUser',
      summary: 'Give an account a portal login; without a password one is generated and returned once (operator only)',
      tag: 'access',
      ...operatorOnly,
      params: accountParams,
      body: portalUserBody,
      responses: {
        201: { description: 'created', schema: portalUserWithPassword },
        ...notOperator,
        404: { description: 'no such account', schema: errorBody },
        409: { description: 'the email already has a login', schema: errorBody },
      },
    },
    async ({ res, principal, params, body }) => {
      const account = await accountOrThrow(ctx, Number(params.id));
      const outcome = await access(principal).createPortalUser(account.id, body.email, body.password ?? null);
      res.status(201).json(withPassword(outcome));
    },
  );

  const resetPassword = defineRoute(
    {
      method: 'post',
      path: '/portal-users/:id/password',
      operationId: 'resetPortalPassword',
      summary: "Set a portal login's password (generated when none is given) and end its open sessions (operator only)",
      tag: 'access',
      ...operatorOnly,
      params: numericIdParams,
      body: passwordBody,
      responses: { 200: { description: 'changed', schema: portalUserWithPassword }, ...notOperator, 404: { description: 'no such login', schema: errorBody } },
    },
    async ({ res, principal, params, body }) => {
      const outcome = await access(principal).resetPassword(params.id, body.password ?? null);
      if (!outcome) throw notFound('portal user');
      res.json(withPassword(outcome));
    },
  );

  const setActive = defineRoute(
    {
      method: 'patch',
      path: '/portal-users/:id',
      operationId: 'setPortalUserActive',
      summary: 'Disable a portal login (it cannot log in, its open sessions end) or enable it again (operator only)',
      tag: 'access',
      ...operatorOnly,
      params: numericIdParams,
      body: portalUserPatch,
      responses: { 200: { description: 'changed', schema: portalUserView }, ...notOperator, 404: { description: 'no such login', schema: errorBody } },
    },
    async ({ res, principal, params, body }) => {
      const user = await access(principal).setPortalUserActive(params.id, body.active);
      if (!user) throw notFound('portal user');
      res.json(portalUserOut(user));
    },
  );

  return [listAllKeys, listKeys, createKey, rotateKey, revokeKey, listUsers, createUser, resetPassword, setActive];
}

function withPassword(outcome: { user: Parameters<typeof portalUserOut>[0]; generatedPassword: string | null }): z.input<typeof portalUserWithPassword> {
  return { user: portalUserOut(outcome.user), ...(outcome.generatedPassword === null ? {} : { password: outcome.generatedPassword }) };
}
