import { z } from 'zod';
import { parseHangupCause, type HangupCause } from '../esl/hangup-causes';
import { DEFAULT_FAILOVER_CAUSES, SUBSCRIBER_CAUSES } from '../routing/route-causes';
import { ROUTE_POLICIES } from '../routing/route-types';
import { expected, setting } from './setting-meta';

const CAUSES_ALLOWED = 'a list of hangup cause names or Q.850 codes (lib/esl/hangup-causes.ts), none of them a called party\'s answer such as USER_BUSY or NO_ANSWER';

function failoverCauseSchema(): z.ZodType<HangupCause, string | number> {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const cause = parseHangupCause(value);
    if (cause === undefined) {
      ctx.addIssue({ code: 'custom', message: expected(CAUSES_ALLOWED) });
      return z.NEVER;
    }
    if (SUBSCRIBER_CAUSES.has(cause)) {
      ctx.addIssue({ code: 'custom', message: `${cause} is the called party's answer; trying another carrier would call them again` });
      return z.NEVER;
    }
    return cause;
  });
}

/*
 * Issue #17: how each leg picks its carrier among those with a buy rate for the number, and which
 * failures move on to the next carrier. `policy` and `allowLossCalls` may be overridden per account
 * and access number (`routingPolicy`, `allowLossCalls` in lib/settings/overridable.ts).
 */
export const routingSchema = z
  .strictObject({
    policy: setting(
      z.enum(ROUTE_POLICIES).default('cheapest'),
      'Order in which carriers with a buy rate for the number are tried: `cheapest` (lowest buy rate, then priority) or `priority` (lowest priority number first, a weighted random draw among equals).',
    ),
    allowLossCalls: setting(
      z.boolean().default(false),
      'Whether a carrier that may lose money on the leg may carry it: one that charges more than the leg is sold for on a one-second call (connection fee and first increment or minimum included) or per minute, or whose buy rates are in another currency than the tariff (not compared). When false such carriers are skipped, and a leg only they could carry is not dialed.',
    ),
    failoverCauses: setting(
      z.array(failoverCauseSchema()).default([...DEFAULT_FAILOVER_CAUSES]),
      'Hangup causes of a carrier try that make the leg try the next carrier in the same attempt; any other cause (busy, no answer, …) ends the attempt as before.',
      { allowed: CAUSES_ALLOWED },
    ),
    reloadSeconds: setting(
      z.number().int().min(1).max(3600).default(30),
      "How long carriers and buy rates read from the database are used for routing before they are read again: the longest a change made by another process (the CLI, another controller, SQL by hand) takes to route calls, unless `queue.driver=redis`, where each change made through callback is signalled to every controller at once. A change made by the controller itself (the API) routes the next leg; a rate sheet dated ahead takes effect within this of its instant.",
    ),
    carrierLeaseSeconds: setting(
      z.number().int().min(3).max(3600).default(150),
      'With `queue.driver=redis`, carriers\' channels are counted in Redis across all controllers, each channel a lease its controller refreshes every third of this while the leg lives: the longest a channel of a controller that died stays counted against its carrier\'s `maxChannels`. Keep it above `scheduler.leaseSeconds` plus the sweep interval, so that a dead controller\'s talks stay counted until another controller adopts them (and counts them again).',
    ),
  })
  .prefault({});

export type RoutingSettings = z.infer<typeof routingSchema>;
