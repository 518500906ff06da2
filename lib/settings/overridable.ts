import { CARRIER_NAME_PATTERN } from '../store/carriers';
import { z } from 'zod';
import { callbackFields, callerIdFields } from '../config/callback-schema';
import { ROUTE_POLICIES } from '../routing/route-types';
import type { SystemSettings } from './system';

/** Where a resolved value came from, strongest first. */
export const SETTING_SOURCES = ['request', 'access-number', 'account', 'system'] as const;
export type SettingSource = (typeof SETTING_SOURCES)[number];
/** The layers that may override a system setting. */
export type OverrideLayer = Exclude<SettingSource, 'system'>;

/** Kept in the settings JSON of accounts and access numbers. */
const STORED: readonly OverrideLayer[] = ['account', 'access-number'];
/** Also given by an order (API `retry`, CLI `--max-retries`). */
const ORDERED: readonly OverrideLayer[] = ['request', ...STORED];

export interface Overridable<T extends z.ZodType> {
  /** The override's check: the system setting's own schema, so the two cannot disagree. */
  readonly schema: T;
  readonly system: (settings: SystemSettings) => z.output<T>;
  readonly layers: readonly OverrideLayer[];
  /** The system setting's path (`callback.…`), or null for an override without a system setting. */
  readonly configKey: string | null;
  /**
   * What the schema cannot know: a value the system refuses (a node it does not have); undefined
   * when fine. A method, so that an entry of a narrower schema still is an Overridable<z.ZodType>.
   */
  refuse?(value: z.output<T>, system: SystemSettings): string | undefined;
}

function callbackSetting<K extends keyof typeof callbackFields>(
  key: K,
  layers: readonly OverrideLayer[] = STORED,
): Overridable<ReturnType<(typeof callbackFields)[K]['unwrap']>> {
  return {
    schema: callbackFields[key].unwrap() as ReturnType<(typeof callbackFields)[K]['unwrap']>,
    system: (settings) => settings.callback[key] as z.output<ReturnType<(typeof callbackFields)[K]['unwrap']>>,
    layers,
    configKey: `callback.${key}`,
  };
}

function callerIdSetting<K extends keyof typeof callerIdFields>(key: K): Overridable<ReturnType<(typeof callerIdFields)[K]['unwrap']>> {
  return {
    schema: callerIdFields[key].unwrap() as ReturnType<(typeof callerIdFields)[K]['unwrap']>,
    system: (settings) => settings.callback.callerId[key] as z.output<ReturnType<(typeof callerIdFields)[K]['unwrap']>>,
    layers: STORED,
    configKey: `callback.callerId.${key}`,
  };
}

function overrideOnly<T extends z.ZodType>(schema: T, systemValue: z.output<T>): Overridable<T> {
  return { schema, system: () => systemValue, layers: STORED, configKey: null };
}

/** A routing setting (#17): its system value is in `routing.*`. */
function routingSetting<T extends z.ZodType>(schema: T, configKey: string, system: (settings: SystemSettings) => z.output<T>, layers: readonly OverrideLayer[] = STORED): Overridable<T> {
  return { schema, system, layers, configKey };
}

/** `any`, or a node of `freeswitch.nodes` (the simulator's in embedded mode). */
function refuseUnknownNode(server: string, system: SystemSettings): string | undefined {
  if (server === 'any' || system.nodes.includes(server)) return undefined;
  return `"${server}" names no FreeSWITCH node; expected "any" or one of ${system.nodes.map((node) => JSON.stringify(node)).join(', ')} (freeswitch.nodes)`;
}

/**
 * Every callback setting an account or access number may override (O3, #18 item 1), under the
 * system setting's name; caller-ID keys are flat (`sendDeviceCid`, not `callerId.sendDeviceCid`).
 */
export const OVERRIDABLE = {
  activeForUsers: callbackSetting('activeForUsers'),
  waitTimeSeconds: callbackSetting('waitTimeSeconds'),
  maxRetries: callbackSetting('maxRetries', ORDERED),
  retryIntervalSeconds: callbackSetting('retryIntervalSeconds', ORDERED),
  busyIvr: callbackSetting('busyIvr'),
  failedIvr: callbackSetting('failedIvr'),
  sendDeviceCid: callerIdSetting('sendDeviceCid'),
  sendSourceAsCid: callerIdSetting('sendSourceAsCid'),
  callbackCid: callerIdSetting('callbackCid'),
  webCallbackCid: callerIdSetting('webCallbackCid'),
  forwardPartyNumbers: callerIdSetting('forwardPartyNumbers'),
  digitTimeoutSeconds: callbackSetting('digitTimeoutSeconds'),
  ringBeforeRejectSeconds: callbackSetting('ringBeforeRejectSeconds'),
  announceBalance: callbackSetting('announceBalance'),
  announceMaxDuration: callbackSetting('announceMaxDuration'),
  language: callbackSetting('language'),
  rejectHangupCause: callbackSetting('rejectHangupCause'),
  delaySeconds: callbackSetting('delaySeconds'),
  maxConcurrentPerAccount: callbackSetting('maxConcurrentPerAccount'),
  perCallerMax: callbackSetting('perCallerMax'),
  perCallerWindowMinutes: callbackSetting('perCallerWindowMinutes'),
  perAccountMax: callbackSetting('perAccountMax'),
  perAccountWindowMinutes: callbackSetting('perAccountWindowMinutes'),
  /** A fixed leg B (a hotline); null asks on leg A. */
  destination: overrideOnly(z.string().regex(/^\+?[0-9]{3,20}$/, 'expected a number of 3 to 20 digits').nullable(), null),
  /** Numbers (E.164) or E.164 prefixes ending in `*` that never get a callback. */
  blockedCallers: overrideOnly(z.array(z.string().regex(/^\+[0-9]{1,15}\*?$/, 'expected an E.164 number, or a prefix ending in *')), []),
  /** Which of the carriers for a number is tried first. An order may choose it too (API `routingPolicy`). */
  routingPolicy: routingSetting(z.enum(ROUTE_POLICIES), 'routing.policy', (settings) => settings.routing.policy, ORDERED),
  /** Whether a carrier that may lose money on a leg may carry it. */
  allowLossCalls: routingSetting(z.boolean(), 'routing.allowLossCalls', (settings) => settings.routing.allowLossCalls),
  /** The FreeSWITCH node callback legs go out on: `any` or a node the system has (refused otherwise). */
  callbackServer: { ...callbackSetting('callbackServer'), refuse: refuseUnknownNode },
  /** The carrier (by name) that carries the callback leg A of an access call (#17 item 5, the seeds' "Trunk"); null: routed like any leg. */
  trunk: overrideOnly(z.string().regex(CARRIER_NAME_PATTERN, 'expected a carrier name').nullable(), null),
} as const;

export type SettingKey = keyof typeof OVERRIDABLE;
export type SettingValue<K extends SettingKey> = z.output<(typeof OVERRIDABLE)[K]['schema']>;
export type SettingValues = { [K in SettingKey]: SettingValue<K> };

export const SETTING_KEYS = Object.keys(OVERRIDABLE) as SettingKey[];

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(OVERRIDABLE, key);
}

/** The layers that may override the system setting at `configKey`, for the docs; empty for a system-only setting. */
export function overrideLayersOf(configKey: string): readonly OverrideLayer[] {
  return Object.values(OVERRIDABLE).find((entry) => entry.configKey === configKey)?.layers ?? [];
}
