import { isE164, type E164 } from '../domain/phone-number';
import type { AccessNumber } from '../store/access-numbers';
import { refusal, type Refusal } from './refusal';
import type { Subscriber } from './subscriber';

/**
 * Whom leg A calls (T1 methods). "Call to caller" is the ANI, except that a DID owned by an
 * account calls the account's predefined number when the caller ID is hidden (A3). "Call to
 * number" is the DID's own target, else the account's predefined number.
 */
export function callbackTarget(accessNumber: AccessNumber, subscriber: Subscriber, caller: E164 | null): E164 | Refusal {
  const accountId = subscriber.account?.id ?? null;
  switch (accessNumber.method) {
    case 'call_to_caller': {
      if (caller !== null) return caller;
      const predefined = subscriber.by === 'did' ? subscriber.account.callbackNumber : null;
      return predefined ?? refusal('anonymous_caller', accountId);
    }
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

export function isRefusal(value: E164 | Refusal): value is Refusal {
  return typeof value !== 'string';
}
