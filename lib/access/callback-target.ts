import { parseExtensionTarget, type CallEndpoint } from '../domain/call-endpoint';
import { isE164, type E164 } from '../domain/phone-number';
import type { AccessNumber, AuthMode } from '../store/access-numbers';
import { refusal, type Refusal } from './refusal';
import type { Subscriber } from './subscriber';

/**
 * Whom leg A calls (T1 methods). "Call to caller" is the ANI, with the rule of an owned DID
 * (A3) below. "Call to number" is the DID's own target, else the account's predefined number:
 * fixed, so a hidden caller ID does not matter. "Call extension" is a user registered on the
 * node (the DID's target, `<extension>[@<domain>]`), fixed too.
 */
export function callbackTarget(accessNumber: AccessNumber, subscriber: Subscriber, caller: E164 | null): CallEndpoint | Refusal {
  if (accessNumber.method === 'call_extension') {
    // The store checks the target when the number is saved: a bad one here is a row written around it.
    const extension = accessNumber.targetNumber === null ? null : parseExtensionTarget(accessNumber.targetNumber);
    return extension ?? refusal('no_callback_number', subscriber.account?.id ?? null, { method: accessNumber.method, target: accessNumber.targetNumber });
  }
  const number = callbackNumber(accessNumber, subscriber, caller);
  return isRefusal(number) ? number : { kind: 'number', number };
}

function callbackNumber(accessNumber: AccessNumber, subscriber: Subscriber, caller: E164 | null): E164 | Refusal {
  const accountId = subscriber.account?.id ?? null;
  if (accessNumber.method === 'call_to_caller') {
    if (subscriber.by === 'did') return ownedDidCallerTarget(accessNumber.authMode, subscriber, caller);
    return caller ?? refusal('anonymous_caller', accountId);
  }
  // call_to_number: the DID's target, else the account's predefined number.
  const fixed = accessNumber.targetNumber !== null && isE164(accessNumber.targetNumber) ? accessNumber.targetNumber : null;
  return fixed ?? subscriber.account?.callbackNumber ?? refusal('no_callback_number', accountId);
}

/**
 * A3: an owned DID spends the owner's money, so leg A calls only whom the owner vouched for: its
 * predefined number (also for a hidden caller ID) or a verified caller ID allowed for
 * authorization. Anyone else is called only where leg A then asks who pays (a `pin` number asks
 * the owner's PIN, a `card` number a card); the other modes refuse them, as they refuse unknown
 * callers on any access number.
 */
export function ownedDidCallerTarget(authMode: AuthMode, subscriber: Extract<Subscriber, { by: 'did' }>, caller: E164 | null): E164 | Refusal {
  const { account, callerAuthorized } = subscriber;
  if (caller === null) return account.callbackNumber ?? refusal('anonymous_caller', account.id);
  if (callerAuthorized || caller === account.callbackNumber) return caller;
  if (authMode === 'pin' || authMode === 'card') return caller;
  return refusal('unknown_caller', account.id, { authMode });
}

export function isRefusal<T extends object | string>(value: T | Refusal): value is Refusal {
  return typeof value === 'object' && 'reason' in value;
}
