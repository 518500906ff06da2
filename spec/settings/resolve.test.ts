import { defaultSettings } from '../../lib/config';
import { editOverrides, effectiveCallbackSettings, InvalidOverride, parseAssignment, resolveSettings, SETTING_KEYS } from '../../lib/settings';
import { overrideLayersOf } from '../../lib/settings/overridable';

const system = defaultSettings().callback;

describe('resolveSettings (#18 item 1)', () => {
  it('gives every setting the system value and source without overrides', () => {
    const { settings, bad } = resolveSettings(system, {});
    expect(bad).toEqual([]);
    expect(settings.waitTimeSeconds).toEqual({ value: 30, source: 'system' });
    expect(settings.callbackCid).toEqual({ value: null, source: 'system' });
    expect(settings.blockedCallers).toEqual({ value: [], source: 'system' });
    expect(Object.keys(settings).sort()).toEqual([...SETTING_KEYS].sort());
  });

  it('takes request over access number over account over system, key by key', () => {
    const { settings } = resolveSettings(system, {
      account: { maxRetries: 3, waitTimeSeconds: 12, language: 'de' },
      accessNumber: { maxRetries: 5, busyIvr: 'ivr/busy' },
      request: { maxRetries: 1 },
    });
    expect(settings.maxRetries).toEqual({ value: 1, source: 'request' });
    expect(settings.busyIvr).toEqual({ value: 'ivr/busy', source: 'access-number' });
    expect(settings.waitTimeSeconds).toEqual({ value: 12, source: 'account' });
    expect(settings.language).toEqual({ value: 'de', source: 'account' });
    expect(settings.retryIntervalSeconds).toEqual({ value: 60, source: 'system' });
  });

  it('skips and reports a bad value, an unknown key and a key the layer may not set, keeping the weaker value', () => {
    const { settings, bad } = resolveSettings(system, {
      account: { waitTimeSeconds: 12 },
      accessNumber: { waitTimeSeconds: 'long', method: 'call_to_number' },
      request: { waitTimeSeconds: 9 },
    });
    expect(settings.waitTimeSeconds).toEqual({ value: 12, source: 'account' });
    expect(bad.map(({ layer, key }) => [layer, key])).toEqual([
      ['access-number', 'waitTimeSeconds'],
      ['access-number', 'method'],
      ['request', 'waitTimeSeconds'],
    ]);
    expect(bad[1]?.problem).toMatch(/^unknown setting/);
    expect(bad[2]?.problem).toBe('not overridable per request');
  });

  it('stores a cause code as its name, as the system setting does', () => {
    expect(resolveSettings(system, { accessNumber: { rejectHangupCause: 21 } }).settings.rejectHangupCause.value).toBe('CALL_REJECTED');
  });

  it('puts the resolved caller-ID keys back into the system shape for the engine', () => {
    const { settings } = resolveSettings(system, { accessNumber: { callbackCid: '+14155550100', forwardPartyNumbers: true, digitTimeoutSeconds: 9 } });
    const effective = effectiveCallbackSettings(system, settings);
    expect(effective.callerId).toEqual({ ...system.callerId, callbackCid: '+14155550100', forwardPartyNumbers: true });
    expect(effective.digitTimeoutSeconds).toBe(9);
    expect(effective.defaultCountry).toBe(system.defaultCountry);
    expect(effective).not.toHaveProperty('destination');
  });

  it('resolves the route policy, loss-call rule and callback server per account and access number, null standing for the routing settings', () => {
    const { settings, bad } = resolveSettings(system, {
      account: { routingPolicy: 'priority', allowLossCalls: true, callbackServer: 'fs1' },
      accessNumber: { callbackServer: 'fs2', routingPolicy: 'fastest', allowLossCalls: 'yes' },
    });
    expect([settings.routingPolicy, settings.allowLossCalls, settings.callbackServer]).toEqual([
      { value: 'priority', source: 'account' },
      { value: true, source: 'account' },
      { value: 'fs2', source: 'access-number' },
    ]);
    expect(bad.map(({ key }) => key)).toEqual(['routingPolicy', 'allowLossCalls']);
    expect(resolveSettings(system, {}).settings.routingPolicy).toEqual({ value: null, source: 'system' });
    const effective = effectiveCallbackSettings(system, settings);
    expect(effective.callbackServer).toBe('fs2');
    expect(effective).not.toHaveProperty('routingPolicy');
  });

  it('names the layers of each system setting for the docs', () => {
    expect(overrideLayersOf('callback.maxRetries')).toEqual(['request', 'account', 'access-number']);
    expect(overrideLayersOf('callback.callerId.callbackCid')).toEqual(['account', 'access-number']);
    expect(overrideLayersOf('callback.defaultCountry')).toEqual([]);
    expect(overrideLayersOf('routing.policy')).toEqual(['account', 'access-number']);
    expect(overrideLayersOf('routing.failoverCauses')).toEqual([]);
  });
});

describe('editOverrides', () => {
  it('sets checked values in canonical form and unsets keys', () => {
    expect(editOverrides({ delaySeconds: 5, language: 'de' }, 'access-number', { set: { rejectHangupCause: '17', busyIvr: null }, unset: ['delaySeconds'] })).toEqual({
      language: 'de',
      rejectHangupCause: 'USER_BUSY',
      busyIvr: null,
    });
  });

  it('refuses the whole change, naming every bad key', () => {
    const attempt = () => editOverrides({}, 'account', { set: { waitTimeSeconds: 1, colour: 'red', language: 'de' }, unset: ['nope'] });
    expect(attempt).toThrow(InvalidOverride);
    expect(attempt).toThrow(/nope: unknown setting; waitTimeSeconds: Too small.*; colour: unknown setting/);
  });

  it('reads key=value as JSON when it is JSON, else as text', () => {
    expect(parseAssignment('waitTimeSeconds=20')).toEqual(['waitTimeSeconds', 20]);
    expect(parseAssignment('busyIvr=null')).toEqual(['busyIvr', null]);
    expect(parseAssignment('blockedCallers=["+1900*"]')).toEqual(['blockedCallers', ['+1900*']]);
    expect(parseAssignment('callbackCid=+14155550100')).toEqual(['callbackCid', '+14155550100']);
    expect(parseAssignment('rejectHangupCause=USER_BUSY')).toEqual(['rejectHangupCause', 'USER_BUSY']);
    expect(() => parseAssignment('=3')).toThrow('expected key=value');
  });
});
