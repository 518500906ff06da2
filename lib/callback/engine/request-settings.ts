import type { CallbackSettings } from '../../config/schema';
import { effectiveCallbackSettings, resolveForStored } from '../../settings';
import type { CallbackRequest } from '../../store/callback-requests';
import type { EngineContext } from './context';
import { requestData } from './request-data';

/**
 * The settings one request is called with (O3, #18 item 1): its own overrides, then its access
 * number's, its account's and the system's. Read when a request is due, so an operator's change
 * applies from the next attempt on.
 */
export async function requestSettings(ctx: EngineContext, request: CallbackRequest): Promise<CallbackSettings> {
  const data = requestData(request.data);
  const ordered = data.retryIntervalSeconds === undefined ? {} : { retryIntervalSeconds: data.retryIntervalSeconds };
  const resolved = await ctx.untilWritten(`settings of request ${request.id}`, () =>
    resolveForStored(ctx.store, ctx.settings, { accountId: request.accountId, accessDid: data.accessNumber ?? null, request: ordered }, ctx.logger),
  );
  return effectiveCallbackSettings(ctx.settings, resolved);
}
