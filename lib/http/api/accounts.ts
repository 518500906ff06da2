import type { ApiContext } from './context';
import { forbidden, notFound } from './errors';
import { defineRoute, type Route } from './route';
import { accountParams, accountPatch, accountSettingsView, errorBody } from './schemas';

/** The operator's per-account switches that subscribers may not set themselves. */
export function accountRoutes(ctx: ApiContext): Route[] {
  const patch = defineRoute(
    {
      method: 'patch',
      path: '/accounts/:id',
      operationId: 'setAccountSettings',
      summary: "Let an account's orders call any first party (free sources), or hold them to its verified numbers again (operator only)",
      tag: 'accounts',
      authenticated: true,
      operatorOnly: true,
      params: accountParams,
      body: accountPatch,
      responses: {
        200: { description: 'changed', schema: accountSettingsView },
        403: { description: 'not the operator', schema: errorBody },
        404: { description: 'no such account', schema: errorBody },
      },
    },
    async ({ res, principal, params, body }) => {
      if (principal.kind !== 'operator') throw forbidden('only the operator changes these settings');
      const account = await ctx.store.accounts.update(Number(params.id), { freeSources: body.freeSources });
      if (!account) throw notFound('account');
      await ctx.store.auditLog.record({ kind: 'operator', reason: 'free_sources_set', accountId: account.id, details: { via: 'api', freeSources: account.freeSources } });
      res.json({ id: account.id, name: account.name, freeSources: account.freeSources });
    },
  );
  return [patch];
}
