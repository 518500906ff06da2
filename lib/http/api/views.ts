import type { z } from 'zod';
import { isLegState } from '../../callback/state/leg-state';
import { liveStatusOf, type LiveStatus } from '../../callback/state/live-status';
import type { ApiKey, BillingAdjustment, BillingDiscrepancy, CallbackRequest, Cdr, CallerId, CallerIdClaim, Leg, Payment, PhoneBookEntry, PortalUser } from '../../store';
import { maskUrlCredentials } from '../webhooks/webhook-url';
import type { adjustmentView, apiKeyView, callbackView, callerIdView, cdrView, discrepancyView, legView, paymentView, phoneBookEntry, portalUserView } from './schemas';

/* Store rows → API bodies: internal columns (leases, versions, raw CDRs) never leave. */

export function callbackOut(r: CallbackRequest): z.input<typeof callbackView> {
  return {
    id: r.id,
    accountId: r.accountId,
    trigger: r.trigger,
    source: r.source,
    destination: r.destination,
    mode: r.mode,
    state: r.state as z.input<typeof callbackView>['state'],
    dueAt: r.dueAt,
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    lastCause: r.lastCause,
    callerIdPolicy: r.callerIdPolicy,
    // The URL may carry the receiver's password: it is used, never shown.
    statusWebhookUrl: r.statusWebhookUrl === null ? null : maskUrlCredentials(r.statusWebhookUrl),
    idempotencyKey: r.idempotencyKey,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** The legs table keeps the engine's state; the API speaks W3's words. */
export function legStatus(state: string): LiveStatus {
  return isLegState(state) ? liveStatusOf(state) : 'queued';
}

export function legOut(leg: Leg): z.input<typeof legView> {
  return {
    uuid: leg.uuid,
    role: leg.role,
    attempt: leg.attempt,
    number: leg.number,
    status: legStatus(leg.state),
    createdAt: leg.createdAt,
    answeredAt: leg.answeredAt,
    endedAt: leg.endedAt,
    hangupCause: leg.hangupCause,
    billsec: leg.billsec,
    costMinor: leg.costMinor,
  };
}

export function phoneBookOut(e: PhoneBookEntry): z.input<typeof phoneBookEntry> {
  return { name: e.name, number: e.number, createdAt: e.createdAt, updatedAt: e.updatedAt };
}

export function callerIdOut(c: CallerId): z.input<typeof callerIdView> {
  return { number: c.number, allowAuthorization: c.allowAuthorization, rememberedAt: c.rememberedAt, createdAt: c.createdAt, verified: true, verifiedAt: c.verifiedAt, codeExpiresAt: null };
}

/** A number waiting for its code; the same for a fresh number and one another account holds. */
export function claimOut(c: CallerIdClaim): z.input<typeof callerIdView> {
  return { number: c.number, allowAuthorization: c.allowAuthorization, rememberedAt: null, createdAt: c.createdAt, verified: false, verifiedAt: null, codeExpiresAt: c.expiresAt };
}

export function paymentOut(p: Payment): z.input<typeof paymentView> {
  return { id: p.id, amountMinor: p.amountMinor, currency: p.currency, method: p.method, reference: p.reference, createdAt: p.createdAt };
}

export function adjustmentOut(a: BillingAdjustment): z.input<typeof adjustmentView> {
  const { legUuid, requestId, reason, estimatedBillsec, correctedBillsec, estimatedCostMinor, correctedCostMinor, amountMinor, createdAt } = a;
  return { legUuid, requestId, reason, estimatedBillsec, correctedBillsec, estimatedCostMinor, correctedCostMinor, amountMinor, createdAt };
}

export function discrepancyOut(d: BillingDiscrepancy): z.input<typeof discrepancyView> {
  const { legUuid, requestId, kind, source, billsec, holdMinor, ratedCostMinor, chargedMinor, excessMinor, createdAt } = d;
  return { legUuid, requestId, kind, source, billsec, holdMinor, ratedCostMinor, chargedMinor, excessMinor, createdAt };
}

export function cdrOut(c: Cdr): z.input<typeof cdrView> {
  return {
    legUuid: c.legUuid,
    requestId: c.requestId,
    direction: c.direction,
    number: c.number,
    startedAt: c.startedAt,
    answeredAt: c.answeredAt,
    endedAt: c.endedAt,
    billsec: c.billsec,
    hangupCause: c.hangupCause,
    costMinor: c.costMinor,
  };
}

export function apiKeyOut(k: ApiKey): z.input<typeof apiKeyView> {
  const { id, accountId, prefix, label, createdAt, revokedAt, lastUsedAt } = k;
  return { id, accountId, operator: accountId === null, prefix, label, createdAt, revokedAt, lastUsedAt };
}

export function portalUserOut(u: PortalUser): z.input<typeof portalUserView> {
  const { id, accountId, email, active, createdAt, lastLoginAt } = u;
  return { id, accountId, email, active, createdAt, lastLoginAt };
}
