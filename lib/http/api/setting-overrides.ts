import { z } from 'zod';
import type { E164 } from '../../domain/phone-number';
import { editOverrides, InvalidOverride, resolutionFor, type OverrideLayer, type SettingOwners } from '../../settings';
import type { JsonObject } from '../../store/rows';
import type { ApiContext } from './context';
import { ApiError, notFound } from './errors';
import { defineRoute, type Route } from './route';
import { accountParams, errorBody } from './schemas';

/*
 * O3 overrides of one account or access number (#18 item 1), for the operator: each resolved
 * setting with where it comes from, and a validated change (the CLI's `--setting` and
 * `--unset-setting`).
 */

const didParams = z.strictObject({ did: z.string().regex(/^\+[1-9][0-9]{1,14}$/, 'expected an E.164 access number such as +12125550000') });

const overridePatch = z.strictObject({
  set: z.record(z.string(), z.unknown()).optional().meta({ description: 'overrides to store, by setting name (e.g. {"waitTimeSeconds": 20}); each is checked like the system setting' }),
  unset: z.array(z.string()).optional().meta({ description: "overrides to drop, so the next layer's value applies" }),
});

const settingsView = z
  .object({
    overrides: z.record(z.string(), z.unknown()).meta({ description: 'what this account or access number stores' }),
    resolved: z.record(z.string(), z.object({ value: z.unknown(), source: z.enum(['request', 'access-number', 'account', 'system']) })),
    ignored: z.array(z.object({ layer: z.string(), key: z.string(), value: z.unknown(), problem: z.string() })),
  })
  .meta({ id: 'SettingOverrides' });

const responses = {
  200: { description: 'every setting with its source', schema: settingsView },
  400: { description: 'a bad override; nothing was changed', schema: errorBody },
  403: { description: 'not the operator', schema: errorBody },
  404: { description: 'no such account or access number', schema: errorBody },
};

interface Target {
  readonly owners: SettingOwners;
  readonly overrides: JsonObject;
  readonly layer: OverrideLayer;
  readonly store: (overrides: JsonObject) => Promise<unknown>;
  readonly accountId: number | null;
}

export function settingOverrideRoutes(ctx: ApiContext): Route[] {
  const account = async (id: string): Promise<Target> => {
    const row = await ctx.store.accounts.findById(Number(id));
    if (!row) throw notFound('account');
    return { owners: { account: row, accessNumber: null }, overrides: row.settings, layer: 'account', accountId: row.id, store: (settings) => ctx.store.accounts.update(row.id, { settings }) };
  };
  const accessNumber = async (did: string): Promise<Target> => {
    const row = await ctx.store.accessNumbers.findByDid(did as E164);
    if (!row) throw notFound('access number');
    const owner = row.accountId === null ? null : await ctx.store.accounts.findById(row.accountId);
    return { owners: { account: owner, accessNumber: row }, overrides: row.settings, layer: 'access-number', accountId: row.accountId, store: (settings) => ctx.store.accessNumbers.update(row.id, { settings }) };
  };

  const view = (target: Target): z.output<typeof settingsView> => {
    const { settings, bad } = resolutionFor(ctx.system, target.owners);
    return { overrides: target.overrides, resolved: settings, ignored: [...bad] };
  };

  const change = async (target: Target, body: z.output<typeof overridePatch>): Promise<z.output<typeof settingsView>> => {
    let next: JsonObject;
    try {
      next = editOverrides(ctx.system, target.overrides, target.layer, { ...(body.set ? { set: body.set } : {}), ...(body.unset ? { unset: body.unset } : {}) });
    } catch (error) {
      if (error instanceof InvalidOverride) throw new ApiError(400, 'validation_failed', error.problems.join('; '), 'set');
      throw error;
    }
    await target.store(next);
    await ctx.store.auditLog.record({ kind: 'operator', reason: 'settings_changed', accountId: target.accountId, details: { via: 'api', layer: target.layer, set: Object.keys(body.set ?? {}).join(','), unset: (body.unset ?? []).join(',') } });
    const owners = target.layer === 'account' ? { ...target.owners, account: { ...target.owners.account!, settings: next } } : { ...target.owners, accessNumber: { ...target.owners.accessNumber!, settings: next } };
    return view({ ...target, owners, overrides: next });
  };

  const common = { tag: 'settings', authenticated: true, operatorOnly: true, responses } as const;
  return [
    defineRoute({ ...common, method: 'get', path: '/accounts/:id/settings', operationId: 'getAccountSettings', summary: "An account's callback settings, each with where it comes from (operator only)", params: accountParams }, async ({ res, params }) => {
      res.json(view(await account(params.id)));
    }),
    defineRoute(
      { ...common, method: 'patch', path: '/accounts/:id/settings', operationId: 'changeAccountSettings', summary: "Set or drop an account's callback setting overrides (operator only)", params: accountParams, body: overridePatch },
      async ({ res, params, body }) => {
        res.json(await change(await account(params.id), body));
      },
    ),
    defineRoute({ ...common, method: 'get', path: '/access-numbers/:did/settings', operationId: 'getAccessNumberSettings', summary: "An access number's callback settings, each with where it comes from (operator only)", params: didParams }, async ({ res, params }) => {
      res.json(view(await accessNumber(params.did)));
    }),
    defineRoute(
      { ...common, method: 'patch', path: '/access-numbers/:did/settings', operationId: 'changeAccessNumberSettings', summary: "Set or drop an access number's callback setting overrides (operator only)", params: didParams, body: overridePatch },
      async ({ res, params, body }) => {
        res.json(await change(await accessNumber(params.did), body));
      },
    ),
  ];
}
