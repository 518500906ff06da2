import type { CountryCode } from 'libphonenumber-js';
import { callsInProgress } from '../callback/engine/limits';
import type { CallEndpoint } from '../domain/call-endpoint';
import type { E164 } from '../domain/phone-number';
import type { HangupCause } from '../esl/hangup-causes';
import type { Logger } from '../log/logger';
import type { Store } from '../store';
import type { AccessNumber } from '../store/access-numbers';
import { resolveFor, settingValues, type SettingValues, type SystemSettings } from '../settings';
import { isBlocked } from './blocked-callers';
import { callbackTarget, isRefusal } from './callback-target';
import { callerNumber, didCandidates } from './numbers';
import { refusal, type Refusal } from './refusal';
import { identifySubscriber, type Subscriber } from './subscriber';

export interface AccessCallFacts {
  readonly uuid: string;
  readonly did: string | undefined;
  readonly rawCaller: string | undefined;
}

export interface DecisionContext {
  readonly store: Store;
  /** The system values under the account's and access number's overrides. */
  readonly system: SystemSettings;
  readonly operatorCallbackAccountId: number;
  readonly now: number;
  readonly logger: Logger;
}

export interface CallbackPlan {
  readonly accessNumber: AccessNumber;
  readonly subscriber: Subscriber;
  readonly target: CallEndpoint;
  readonly settings: SettingValues;
}

/** How the unanswered access call ends either way: `ringSeconds` of ringing, then refused with `cause`. */
export interface AccessRefusal {
  readonly cause: HangupCause;
  readonly ringSeconds: number;
  readonly caller: E164 | null;
}

/** What to do with one access call. */
export type AccessDecision = AccessRefusal & ({ readonly kind: 'callback'; readonly plan: CallbackPlan } | { readonly kind: 'refuse'; readonly refusal: Refusal });

const MINUTE_MS = 60_000;

/** T1/A1–A6: reads only; the caller has not been refused yet, the callback not ordered. */
export async function decideAccessCall(ctx: DecisionContext, call: AccessCallFacts): Promise<AccessDecision> {
  const country = ctx.system.callback.defaultCountry as CountryCode;
  const caller = callerNumber(call.rawCaller, country);
  const refuse = (values: RefusalSettings, refused: Refusal): AccessDecision => ({ kind: 'refuse', ...endOf(values), caller, refusal: refused });

  const accessNumber = await findAccessNumber(ctx.store, call.did, country);
  if (!accessNumber) return refuse(ctx.system.callback, refusal('unknown_access_number'));
  const subscriber = await identifySubscriber(ctx.store, accessNumber, caller);
  const accountId = subscriber.account?.id ?? null;
  const settings = settingValues(resolveFor(ctx.system, { account: subscriber.account, accessNumber }, ctx.logger));
  const refuseHere = (refused: Refusal): AccessDecision => refuse(settings, refused);

  if (!accessNumber.active) return refuseHere(refusal('access_number_inactive', accountId));
  if (!settings.activeForUsers) return refuseHere(refusal('callback_disabled', accountId));
  if (caller !== null && isBlocked(caller, settings.blockedCallers)) return refuseHere(refusal('blocked_caller', accountId));
  const unknown = authRefusal(accessNumber, subscriber, caller);
  if (unknown) return refuseHere(unknown);
  if (subscriber.account && !subscriber.account.active) return refuseHere(refusal('account_inactive', accountId));

  const target = callbackTarget(accessNumber, subscriber, caller);
  if (isRefusal(target)) return refuseHere(target);
  // An extension is on our own node: it is always dialable (leg A is free unless the callback
  // tariff has an `ext:` rate for it, funds.ts), and the per-caller limit counts the callbacks to it through its access number, the request's source.
  const tariffed = target.kind === 'number' ? await tariffRefusal(ctx, subscriber, target.number) : null;
  const limited = tariffed ?? (await limitRefusal(ctx, settings, subscriber, orderedSource(target, accessNumber)));
  if (limited) return refuseHere(limited);
  return { kind: 'callback', ...endOf(settings), caller, plan: { accessNumber, subscriber, target, settings } };
}

/**
 * `callback_requests.source` of the callback: leg A's number, or for an extension the access
 * number's DID (an E.164 of ours that stands for its one extension), so the source stays a number.
 */
export function orderedSource(target: CallEndpoint, accessNumber: AccessNumber): E164 {
  return target.kind === 'number' ? target.number : accessNumber.did;
}

type RefusalSettings = Pick<SettingValues, 'rejectHangupCause' | 'ringBeforeRejectSeconds'>;

function endOf(settings: RefusalSettings): Omit<AccessRefusal, 'caller'> {
  return { cause: settings.rejectHangupCause, ringSeconds: settings.ringBeforeRejectSeconds };
}

async function findAccessNumber(store: Store, did: string | undefined, country: CountryCode): Promise<AccessNumber | null> {
  for (const candidate of didCandidates(did, country)) {
    const found = await store.accessNumbers.findByDid(candidate);
    if (found) return found;
  }
  return null;
}

/**
 * ANI modes need the caller identified now (A1/A3); PIN and card modes may call back a stranger,
 * because leg A asks who they are (A2/A4) and the operator pays for it meanwhile (A6).
 */
function authRefusal(accessNumber: AccessNumber, subscriber: Subscriber, caller: E164 | null): Refusal | null {
  if (subscriber.by !== 'none') return null;
  if (caller === null) return refusal('anonymous_caller');
  if (accessNumber.authMode === 'pin' || accessNumber.authMode === 'card') return null;
  return refusal('unknown_caller', null, { authMode: accessNumber.authMode });
}

/** A6: leg A is dialed only where the payer's callback tariff has a rate. */
async function tariffRefusal(ctx: DecisionContext, subscriber: Subscriber, target: E164): Promise<Refusal | null> {
  const payer = subscriber.account ?? (await ctx.store.accounts.findById(ctx.operatorCallbackAccountId));
  const accountId = subscriber.account?.id ?? null;
  const tariffId = payer?.callbackTariffId ?? null;
  const rate = tariffId === null ? null : await ctx.store.tariffs.findRateByLongestPrefix(tariffId, target);
  return rate ? null : refusal('not_in_callback_tariff', accountId, { target, callbackTariffId: tariffId });
}

/** A5. Counted before ordering, so two calls at the same instant may both pass: the limits are a brake, not a lock. */
async function limitRefusal(ctx: DecisionContext, settings: SettingValues, subscriber: Subscriber, target: E164): Promise<Refusal | null> {
  const { store, now } = ctx;
  const accountId = subscriber.account?.id ?? null;
  const toCaller = await store.callbackRequests.countCreatedSince({ trigger: 'access', source: target, since: now - settings.perCallerWindowMinutes * MINUTE_MS });
  if (toCaller >= settings.perCallerMax) {
    return refusal('rate_limited_caller', accountId, { count: toCaller, max: settings.perCallerMax, windowMinutes: settings.perCallerWindowMinutes });
  }
  const account = subscriber.account;
  if (!account) return null;
  const ofAccount = await store.callbackRequests.countCreatedSince({ trigger: 'access', accountId: account.id, since: now - settings.perAccountWindowMinutes * MINUTE_MS });
  if (ofAccount >= settings.perAccountMax) {
    return refusal('rate_limited_account', account.id, { count: ofAccount, max: settings.perAccountMax, windowMinutes: settings.perAccountWindowMinutes });
  }
  // The engine's own count (A5): scheduled callbacks are not calls in progress.
  const { atLimit, max } = await callsInProgress(store, account, settings.maxConcurrentPerAccount);
  return atLimit ? refusal('too_many_concurrent', account.id, { inProgress: max, max }) : null;
}
