import type { E164 } from '../domain/phone-number';
import type { Store } from '../store';

/** A5: stable reason codes for an access call that gets no callback (the audit log's `reason`). */
export const REFUSAL_REASONS = [
  'unknown_access_number',
  'access_number_inactive',
  'callback_disabled',
  'anonymous_caller',
  'blocked_caller',
  'unknown_caller',
  'account_inactive',
  'no_callback_number',
  'method_not_supported',
  'not_in_callback_tariff',
  'rate_limited_caller',
  'rate_limited_account',
  'too_many_concurrent',
  'invalid_order',
  'internal_error',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Refusal {
  readonly reason: RefusalReason;
  readonly accountId: number | null;
  readonly details: Record<string, string | number | null>;
}

export function refusal(reason: RefusalReason, accountId: number | null = null, details: Refusal['details'] = {}): Refusal {
  return { reason, accountId, details };
}

/** Every refusal leaves one audit line, so an operator can answer "why was I not called back?". */
export async function auditRefusal(store: Store, refused: Refusal, call: { uuid: string; caller: E164 | null; rawCaller: string | undefined; did: string | undefined }): Promise<void> {
  await store.auditLog.record({
    kind: 'refused',
    reason: refused.reason,
    caller: call.caller ?? (call.rawCaller?.slice(0, 64) || 'anonymous'),
    accountId: refused.accountId,
    details: { trigger: 'access', did: call.did ?? null, callUuid: call.uuid, ...refused.details },
  });
}
