import { callbackTarget } from '../../lib/access/callback-target';
import type { Refusal } from '../../lib/access/refusal';
import type { Subscriber } from '../../lib/access/subscriber';
import type { CallEndpoint } from '../../lib/domain/call-endpoint';
import { minorUnits } from '../../lib/domain/money';
import type { E164 } from '../../lib/domain/phone-number';
import type { AccessNumber, AuthMode, CallbackMethod } from '../../lib/store/access-numbers';
import type { Account } from '../../lib/store/accounts';

const HOME = '+12025550333' as E164;
const AUTHORIZED = '+12025550444' as E164;
const STRANGER = '+12025550999' as E164;
const FIXED = '+12025550555' as E164;

const owner: Account = {
  id: 7,
  name: 'owner',
  balanceMinor: minorUnits(1_000),
  creditLimitMinor: minorUnits(0),
  reservedMinor: minorUnits(0),
  currency: 'USD',
  timeZone: 'America/New_York',
  language: 'en',
  country: 'US',
  maxConcurrentCallbacks: 2,
  tariffId: null,
  callbackTariffId: null,
  callbackNumber: HOME,
  settings: {},
  freeSources: false,
  active: true,
  createdAt: 0,
  updatedAt: 0,
};

function accessNumber(method: CallbackMethod, authMode: AuthMode, targetNumber: string | null = null): AccessNumber {
  return { id: 1, did: '+12125550000' as E164, accountId: owner.id, method, targetNumber, authMode, settings: {}, active: true, createdAt: 0, updatedAt: 0 };
}

const didOwner = (callerAuthorized: boolean, account: Account = owner): Subscriber => ({ by: 'did', account, callerAuthorized });
const reasonOf = (result: CallEndpoint | Refusal): string => ('reason' in result ? result.reason : result.kind === 'number' ? result.number : result.extension);
const to = (number: E164): CallEndpoint => ({ kind: 'number', number });

describe('callbackTarget: an owned DID (A3, #18 item 2)', () => {
  const modes: AuthMode[] = ['none', 'ani', 'pin', 'ani_pin', 'card'];

  it.each(modes)('call to caller, %s: a visible stranger is called back only where leg A asks who pays', (mode) => {
    const expected = mode === 'pin' || mode === 'card' ? STRANGER : 'unknown_caller';
    expect(reasonOf(callbackTarget(accessNumber('call_to_caller', mode), didOwner(false), STRANGER))).toBe(expected);
  });

  it.each(modes)("call to caller, %s: the owner's verified authorized caller ID and predefined number are called back", (mode) => {
    expect(callbackTarget(accessNumber('call_to_caller', mode), didOwner(true), AUTHORIZED)).toEqual(to(AUTHORIZED));
    expect(callbackTarget(accessNumber('call_to_caller', mode), didOwner(false), HOME)).toEqual(to(HOME));
  });

  it.each(modes)("call to caller, %s: a hidden caller ID calls the predefined number, or is refused without one", (mode) => {
    expect(callbackTarget(accessNumber('call_to_caller', mode), didOwner(false), null)).toEqual(to(HOME));
    expect(reasonOf(callbackTarget(accessNumber('call_to_caller', mode), didOwner(false, { ...owner, callbackNumber: null }), null))).toBe('anonymous_caller');
  });

  it.each(modes)('call to number, %s: the fixed target, whoever calls, anonymous included', (mode) => {
    for (const caller of [STRANGER, AUTHORIZED, null]) {
      expect(callbackTarget(accessNumber('call_to_number', mode, FIXED), didOwner(caller === AUTHORIZED), caller)).toEqual(to(FIXED));
      expect(callbackTarget(accessNumber('call_to_number', mode), didOwner(false), caller)).toEqual(to(HOME));
    }
  });

  it('a stranger refused on an owned DID is booked to the owner with the mode, for the audit line', () => {
    expect(callbackTarget(accessNumber('call_to_caller', 'ani'), didOwner(false), STRANGER)).toEqual({ reason: 'unknown_caller', accountId: owner.id, details: { authMode: 'ani' } });
  });
});

describe('callbackTarget: call extension', () => {
  it('calls the stored extension, with its domain or without, whoever called', () => {
    expect(callbackTarget(accessNumber('call_extension', 'none', '1001'), didOwner(false), null)).toEqual({ kind: 'extension', extension: '1001', domain: null });
    expect(callbackTarget(accessNumber('call_extension', 'pin', '1001@pbx.example.com'), didOwner(false), STRANGER)).toEqual({
      kind: 'extension',
      extension: '1001',
      domain: 'pbx.example.com',
    });
  });

  it('refuses a target written around the store as no callback number', () => {
    expect(reasonOf(callbackTarget(accessNumber('call_extension', 'none', '10 01'), didOwner(false), null))).toBe('no_callback_number');
    expect(reasonOf(callbackTarget(accessNumber('call_extension', 'none', null), didOwner(false), null))).toBe('no_callback_number');
  });
});

describe('callbackTarget: a DID nobody owns', () => {
  it('calls the caller identified by ANI, refuses a hidden one', () => {
    const subscriber: Subscriber = { by: 'ani', account: owner };
    expect(callbackTarget({ ...accessNumber('call_to_caller', 'ani'), accountId: null }, subscriber, AUTHORIZED)).toEqual(to(AUTHORIZED));
    expect(reasonOf(callbackTarget({ ...accessNumber('call_to_caller', 'pin'), accountId: null }, { by: 'none', account: null }, null))).toBe('anonymous_caller');
  });
});
