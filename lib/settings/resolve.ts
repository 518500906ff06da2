import type { z } from 'zod';
import type { CallbackSettings } from '../config/callback-schema';
import type { JsonObject } from '../store/rows';
import type { SystemSettings } from './system';
import { OVERRIDABLE, type Overridable, SETTING_KEYS, isSettingKey, type OverrideLayer, type SettingKey, type SettingSource, type SettingValue, type SettingValues } from './overridable';

export interface Resolved<T> {
  readonly value: T;
  readonly source: SettingSource;
}

export type ResolvedSettings = { readonly [K in SettingKey]: Resolved<SettingValue<K>> };

/** The overrides that apply to one call: those of its request, its access number and its account. */
export interface SettingLayers {
  readonly request?: JsonObject;
  readonly accessNumber?: JsonObject;
  readonly account?: JsonObject;
}

/** A stored or ordered override that was not applied, and why. */
export interface BadOverride {
  readonly layer: OverrideLayer;
  readonly key: string;
  readonly value: unknown;
  readonly problem: string;
}

export interface Resolution {
  readonly settings: ResolvedSettings;
  /** Skipped, so that an operator's typo in one DID does not stop every callback on it; the caller logs them. */
  readonly bad: readonly BadOverride[];
}

/** Weakest first: each later layer wins over the ones before. */
const ORDER: ReadonlyArray<readonly [OverrideLayer, keyof SettingLayers]> = [
  ['account', 'account'],
  ['access-number', 'accessNumber'],
  ['request', 'request'],
];

/** O3 (#18 item 1): request > access number > account > system, each value with the layer it came from. */
export function resolveSettings(system: SystemSettings, layers: SettingLayers): Resolution {
  const settings: Record<string, Resolved<unknown>> = {};
  for (const key of SETTING_KEYS) settings[key] = { value: OVERRIDABLE[key].system(system), source: 'system' };
  const bad: BadOverride[] = [];
  for (const [layer, field] of ORDER) {
    const overrides = layers[field] ?? {};
    for (const [key, value] of Object.entries(overrides)) {
      const checked = checkOverride(system, layer, key, value);
      if ('problem' in checked) bad.push({ layer, key, value, problem: checked.problem });
      else settings[key] = { value: checked.value, source: layer };
    }
  }
  return { settings: settings as unknown as ResolvedSettings, bad };
}

/** One override as a layer may hold it: a known key, allowed at that layer, with a value its setting and the system accept. */
export function checkOverride(system: SystemSettings, layer: OverrideLayer, key: string, value: unknown): { value: unknown } | { problem: string } {
  if (!isSettingKey(key)) return { problem: `unknown setting; known: ${SETTING_KEYS.join(', ')}` };
  const entry: Overridable<z.ZodType> = OVERRIDABLE[key];
  if (!entry.layers.includes(layer)) return { problem: `not overridable per ${layer}` };
  const parsed = entry.schema.safeParse(value);
  if (!parsed.success) return { problem: parsed.error.issues.map((issue) => issue.message).join('; ') };
  const refused = entry.refuse?.(parsed.data, system);
  return refused === undefined ? { value: parsed.data } : { problem: refused };
}

export function settingValues(resolved: ResolvedSettings): SettingValues {
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, resolved[key].value])) as SettingValues;
}

/** The system settings with the resolved values in their places: what the engine runs one request with. */
export function effectiveCallbackSettings(system: CallbackSettings, resolved: ResolvedSettings): CallbackSettings {
  const values = settingValues(resolved);
  const { sendDeviceCid, sendSourceAsCid, callbackCid, webCallbackCid, forwardPartyNumbers, destination: _destination, blockedCallers: _blocked, trunk: _trunk, routingPolicy: _policy, allowLossCalls: _loss, ...rest } = values;
  return { ...system, ...rest, callerId: { sendDeviceCid, sendSourceAsCid, callbackCid, webCallbackCid, forwardPartyNumbers } };
}
