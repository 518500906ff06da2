import type { E164 } from '../../domain/phone-number';
import type { CallbackRequest } from '../../store/callback-requests';
import { callerIdsFor, type CallerIdOptions, type CallerIds } from '../policy/caller-id-policy';
import type { EngineContext } from './context';
import { requestData } from './request-data';

/** The per-request override of the C3 settings, stored in `callback_requests.caller_id_policy`. */
export const CALLER_ID_POLICIES = ['settings', 'forward', 'source', 'device', 'gateway'] as const;
export type CallerIdPolicyName = (typeof CALLER_ID_POLICIES)[number];

function optionsFor(base: CallerIdOptions, policy: string | null): CallerIdOptions {
  switch (policy) {
    case 'forward':
      return { ...base, forwardPartyNumbers: true };
    case 'source':
      return { ...base, sendSourceAsCid: true };
    case 'device':
      return { ...base, sendDeviceCid: true };
    case 'gateway':
      return { sendDeviceCid: false, sendSourceAsCid: false, forwardPartyNumbers: false, callbackCid: null, webCallbackCid: null };
    default:
      return base;
  }
}

/**
 * C3 for a request: the settings (or the order's override) applied to its numbers. The device
 * CID is the source itself when it is a verified number of the account (A1), else the account's
 * first one; the source is shown to B only when verified (#15 item 8).
 */
export async function callerIdsForRequest(ctx: EngineContext, request: CallbackRequest, destination: E164 | null): Promise<CallerIds> {
  const options = optionsFor(ctx.settings.callerId, request.callerIdPolicy);
  let deviceCid: E164 | null = null;
  let sourceVerified = false;
  if (options.sendDeviceCid || options.sendSourceAsCid || options.forwardPartyNumbers) {
    // Read while a call is being set up: a database outage is waited out, like the holds.
    const verified = await ctx.untilWritten(`caller IDs of account ${request.accountId}`, () => ctx.store.callerIds.listForAccount(request.accountId));
    const own = verified.find((cid) => cid.number === request.source);
    sourceVerified = own !== undefined;
    deviceCid = (own ?? verified[0])?.number ?? null;
  }
  return callerIdsFor({
    options,
    trigger: request.trigger,
    source: request.source,
    sourceVerified,
    destination,
    deviceCid,
    accessNumber: requestData(request.data).accessNumber ?? null,
  });
}
