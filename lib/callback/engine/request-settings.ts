import { effectiveCallbackSettings, resolveForStored } from '../../settings';
import type { CallbackRequest } from '../../store/callback-requests';
import type { AccountLookup } from './account-reads';
import { callbackNodesOf } from './callback-nodes';
import type { EngineContext } from './context';
import { requestData } from './request-data';

/** What one request's resolved settings change in the engine's context. */
export type RequestScope = Pick<EngineContext, 'settings' | 'route' | 'callbackNodes'>;

/**
 * The settings one request is called with (O3, #18 item 1): its own overrides, then its access
 * number's, its account's and the system's. Read when a request is due, so an operator's change
 * applies from the next attempt on.
 */
export async function requestSettings(ctx: EngineContext, request: CallbackRequest, accounts?: AccountLookup): Promise<RequestScope> {
  const data = requestData(request.data);
  // `maxRetries` is the row's max_attempts; what else the order overrode is in its data.
  const ordered = {
    ...(data.retryIntervalSeconds === undefined ? {} : { retryIntervalSeconds: data.retryIntervalSeconds }),
    ...(data.routingPolicy === undefined ? {} : { routingPolicy: data.routingPolicy }),
  };
  const resolved = await ctx.untilWritten(`settings of request ${request.id}`, () =>
    resolveForStored(ctx.store, ctx.system, { accountId: request.accountId, accessDid: data.accessNumber ?? null, request: ordered }, ctx.logger, accounts),
  );
  const { routingPolicy, allowLossCalls, callbackServer } = resolved;
  return {
    settings: effectiveCallbackSettings(ctx.system.callback, resolved),
    route: { policy: routingPolicy.value, allowLossCalls: allowLossCalls.value },
    // The resolver skipped (and logged) an override naming no node, so this names one, or `any`.
    callbackNodes: callbackNodesOf(callbackServer.value, ctx.telephony.nodes) ?? ctx.callbackNodes,
  };
}
