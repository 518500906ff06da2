import type { Command } from 'commander';
import { editOverrides, InvalidOverride, parseAssignment, resolutionFor, SETTING_KEYS, type OverrideChange, type OverrideLayer, type SystemSettings } from '../settings';
import type { AccessNumber, Account } from '../store';
import type { JsonObject } from '../store/rows';
import { invalid } from './errors';

/*
 * O3 overrides on the command line (#18 item 1): `--setting key=value` and `--unset-setting key`
 * on `accounts set` and `dids set`, and every resolved setting with its source on `show`.
 */

export interface SettingOptions {
  setting?: string[];
  unsetSetting?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function settingOptions(command: Command): Command {
  return command
    .option('--setting <key=value>', `override a callback setting (repeatable); keys: ${SETTING_KEYS.join(', ')}`, collect)
    .option('--unset-setting <key>', 'drop an override, so the next layer applies (repeatable)', collect);
}

/** The overrides with the options applied, or undefined when none was given; a bad one (a `callbackServer` naming no node too) refuses the command. */
export function changedOverrides(system: SystemSettings, current: JsonObject, layer: OverrideLayer, options: SettingOptions): JsonObject | undefined {
  if (options.setting === undefined && options.unsetSetting === undefined) return undefined;
  try {
    const change: OverrideChange = { set: Object.fromEntries((options.setting ?? []).map(parseAssignment)), unset: options.unsetSetting ?? [] };
    return editOverrides(system, current, layer, change);
  } catch (error) {
    if (error instanceof InvalidOverride) throw invalid('--setting', error.problems.join('; '));
    throw error;
  }
}

export interface ResolvedView {
  readonly fields: Array<readonly [string, string]>;
  readonly json: Record<string, unknown>;
}

/** Every resolved setting as `value (source)`, and the stored overrides that are ignored, with why. */
export function resolvedView(system: SystemSettings, owners: { account: Account | null; accessNumber: AccessNumber | null }): ResolvedView {
  const { settings, bad } = resolutionFor(system, owners);
  const fields: Array<readonly [string, string]> = SETTING_KEYS.map((key) => [key, `${valueText(settings[key].value)} (${settings[key].source})`] as const);
  for (const { layer, key, value, problem } of bad) fields.push([`ignored ${key}`, `${valueText(value)} in the ${layer}: ${problem}`]);
  return { fields, json: { resolvedSettings: settings, ignoredSettings: bad } };
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
