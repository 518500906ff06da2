import { defaultSettings } from '../../lib/config';
import { editOverrides, effectiveCallbackSettings, InvalidOverride, parseAssignment, resolveSettings, SETTING_KEYS, systemSettingsOf, type SystemSettings } from '../../lib/settings';
import { overrideLayersOf } from '../../lib/settings/overridable';

/** The defaults with two nodes, fs1 and fs2, so that `callbackServer` has something to name. */
const system: SystemSettings = { ...systemSettingsOf(defaultSettings()), nodes: ['fs1', 'fs2'] };

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
    const effective = effectiveCallbackSettings(system.callback, settings);
    expect(effective.callerId).toEqual({ ...system.callback.callerId, callbackCid: '+14155550100', forwardPartyNumbers: true });
    expect(effective.digitTimeoutSeconds).toBe(9);
    expect(effective.defaultCountry).toBe(system.callback.defaultCountry);
    expect(effective).not.toHaveProperty('destination');
  });

  it('resolves the route policy, loss-call rule and callback server per account and access number over the routing settings and the nodes', () => {
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
    const effective = effectiveCallbackSettings(system.callback, settings);
    expect(effective.callbackServer).toBe('fs2');
    expect(effective).not.toHaveProperty('routingPolicy');
  });

  it('gives the routing keys their real system value, from `routing.*`', () => {
    const { settings } = resolveSettings({ ...system, routing: { policy: 'priority', allowLossCalls: true } }, {});
    expect([settings.routingPolicy, settings.allowLossCalls, settings.callbackServer]).toEqual([
      { value: 'priority', source: 'system' },
      { value: true, source: 'system' },
      { value: 'any', source: 'system' },
    ]);
    expect(resolveSettings(system, {}).settings.routingPolicy).toEqual({ value: 'cheapest', source: 'system' });
  });

  it('takes an order\'s own routing policy over its account\'s and access number\'s', () => {
    const { settings, bad } = resolveSettings(system, { account: { routingPolicy: 'priority' }, request: { routingPolicy: 'cheapest', allowLossCalls: true } });
    expect(settings.routingPolicy).toEqual({ value: 'cheapest', source: 'request' });
    // The loss-call rule protects the operator's margin: no order sets it.
    expect(bad).toEqual([{ layer: 'request', key: 'allowLossCalls', value: true, problem: 'not overridable per request' }]);
  });

  it('skips a stored callbackServer that names no node (one removed since), keeping the weaker value', () => {
    const { settings, bad } = resolveSettings(system, { account: { callbackServer: 'fs2' }, accessNumber: { callbackServer: 'fs9' } });
    expect(settings.callbackServer).toEqual({ value: 'fs2', source: 'account' });
    expect(bad).toEqual([{ layer: 'access-number', key: 'callbackServer', value: 'fs9', problem: '"fs9" names no FreeSWITCH node; expected "any" or one of "fs1", "fs2" (freeswitch.nodes)' }]);
  });

  it('names the layers of each system setting for the docs', () => {
    expect(overrideLayersOf('callback.maxRetries')).toEqual(['request', 'account', 'access-number']);
    expect(overrideLayersOf('callback.callerId.callbackCid')).toEqual(['account', 'access-number']);
    expect(overrideLayersOf('callback.defaultCountry')).toEqual([]);
    expect(overrideLayersOf('routing.policy')).toEqual(['request', 'account', 'access-number']);
    expect(overrideLayersOf('routing.allowLossCalls')).toEqual(['account', 'access-number']);
    expect(overrideLayersOf('routing.failoverCauses')).toEqual([]);
  });
});

describe('editOverrides', () => {
  it('sets checked values in canonical form and unsets keys', () => {
    expect(editOverrides(system, { delaySeconds: 5, language: 'de' }, 'access-number', { set: { rejectHangupCause: '17', busyIvr: null }, unset: ['delaySeconds'] })).toEqual({
      language: 'de',
      rejectHangupCause: 'USER_BUSY',
      busyIvr: null,
    });
  });

  it('refuses the whole change, naming every bad key', () => {
    const attempt = () => editOverrides(system, {}, 'account', { set: { waitTimeSeconds: 1, colour: 'red', language: 'de' }, unset: ['nope'] });
    expect(attempt).toThrow(InvalidOverride);
    expect(attempt).toThrow(/nope: unknown setting; waitTimeSeconds: Too small.*; colour: unknown setting/);
  });

  it('refuses a callbackServer that names no node, and takes `any` or a node', () => {
    expect(() => editOverrides(system, {}, 'account', { set: { callbackServer: 'fs9' } })).toThrow('callbackServer: "fs9" names no FreeSWITCH node; expected "any" or one of "fs1", "fs2" (freeswitch.nodes)');
    expect(editOverrides(system, {}, 'account', { set: { callbackServer: 'fs1' } })).toEqual({ callbackServer: 'fs1' });
    expect(editOverrides(system, {}, 'access-number', { set: { callbackServer: 'any' } })).toEqual({ callbackServer: 'any' });
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
