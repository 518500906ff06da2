import { isE164, type E164 } from '../domain/phone-number';
import type { AccessNumber, AuthMode } from '../store/access-numbers';
import { refusal, type Refusal } from './refusal';
import type { Subscriber } from './subscriber';

/**
 * Whom leg A calls (T1 methods). "Call to caller" is the ANI, with the rule of an owned DID
 * (A3) below. "Call to number" is the DID's own target, else the account's predefined number:
 * fixed, so a hidden caller ID does not matter.
 */
export function callbackTarget(accessNumber: AccessNumber, subscriber: Subscriber, caller: E164 | null): E164 | Refusal {
  const accountId = subscriber.account?.id ?? null;
  switch (accessNumber.method) {
    case 'call_to_caller':
      if (subscriber.by === 'did') return ownedDidCallerTarget(accessNumber.authMode, subscriber, caller);
      return caller ?? refusal('anonymous_caller', accountId);
    case 'call_to_number': {
      const fixed = accessNumber.targetNumber !== null && isE164(accessNumber.targetNumber) ? accessNumber.targetNumber : null;
      return fixed ?? subscriber.account?.callbackNumber ?? refusal('no_callback_number', accountId);
    }
    case 'call_extension':
      // The engine orders E.164 legs through a gateway only; an extension needs a user/ dial
      // string there first (lib/access/README.md, "Missing").
      return refusal('method_not_supported', accountId, { method: accessNumber.method });
  }
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

export function isRefusal(value: E164 | Refusal): value is Refusal {
  return typeof value !== 'string';
}
