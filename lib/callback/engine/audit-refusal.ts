import type { Logger } from '../../log/logger';
import type { CallbackRequest } from '../../store/callback-requests';
import type { EngineContext } from './context';
import type { Refusal } from './funds';

/**
 * A5: every refusal (of a request, its B leg or a leg a feature adds) is logged and in the audit
 * log with its reason. Decided while a call is set up, so the line waits out a database outage
 * like the holds do: a refusal that could not be recorded would leave the request unmoved (a
 * line whose answer was lost may then be there twice, which an audit log can bear).
 */
export async function auditRefusal(
  ctx: Pick<EngineContext, 'store' | 'untilWritten'>,
  request: Pick<CallbackRequest, 'id' | 'source' | 'accountId'>,
  log: Logger,
  refusal: Refusal,
  context: Record<string, string | null>,
): Promise<void> {
  const details = { ...context, ...refusal.details };
  log.warn('refused', { reason: refusal.refused, ...details });
  await ctx.untilWritten(`audit refusal of ${request.id}`, () => ctx.store.auditLog.record({
    kind: 'refused',
    reason: refusal.refused,
    caller: request.source,
    accountId: request.accountId,
    requestId: request.id,
    details,
  }));
}
