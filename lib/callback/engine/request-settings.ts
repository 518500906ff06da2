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
  const ordered = data.retryIntervalSeconds === undefined ? {} : { retryIntervalSeconds: data.retryIntervalSeconds };
  const resolved = await ctx.untilWritten(`settings of request ${request.id}`, () =>
    resolveForStored(ctx.store, ctx.settings, { accountId: request.accountId, accessDid: data.accessNumber ?? null, request: ordered }, ctx.logger, accounts),
  );
  const { routingPolicy, allowLossCalls, callbackServer } = resolved;
  return {
    settings: effectiveCallbackSettings(ctx.settings, resolved),
    route: { policy: routingPolicy.value ?? ctx.route.policy, allowLossCalls: allowLossCalls.value ?? ctx.route.allowLossCalls },
    callbackNodes: nodesOf(ctx, callbackServer.value, callbackServer.source, request.id),
  };
}

/** An override naming no configured node is skipped like any bad override: logged, the system's nodes used. */
function nodesOf(ctx: EngineContext, server: string, source: string, requestId: string): readonly string[] {
  const nodes = callbackNodesOf(server, ctx.telephony.nodes);
  if (nodes) return nodes;
  ctx.logger.warn('callbackServer override names no FreeSWITCH node; ignored', { requestId, callbackServer: server, source, nodes: ctx.telephony.nodes });
  return ctx.callbackNodes;
}
