import type { JsonObject } from '../store/rows';
import { isSettingKey, type OverrideLayer } from './overridable';
import { checkOverride } from './resolve';
import type { SystemSettings } from './system';

/** A change of overrides that cannot be stored; `problems` name each key and what it accepts. */
export class InvalidOverride extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid setting override: ${problems.join('; ')}`);
    this.name = 'InvalidOverride';
  }
}

export interface OverrideChange {
  /** Values as the setting accepts them (a cause by name or code, a number, null, a list). */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Keys to remove, so the next layer's value (in the end the system's) applies again. */
  readonly unset?: readonly string[];
}

/**
 * The overrides with `change` applied, each value checked by its setting's schema and stored in
 * its canonical form (a cause code as its name); a `callbackServer` must name one of the
 * system's nodes. All or nothing: one bad key refuses the change.
 */
export function editOverrides(system: SystemSettings, current: JsonObject, layer: OverrideLayer, change: OverrideChange): JsonObject {
  const next: JsonObject = { ...current };
  const problems: string[] = [];
  for (const key of change.unset ?? []) {
    if (isSettingKey(key)) delete next[key];
    else problems.push(`${key}: unknown setting`);
  }
  for (const [key, value] of Object.entries(change.set ?? {})) {
    const checked = checkOverride(system, layer, key, value);
    if ('problem' in checked) problems.push(`${key}: ${checked.problem}`);
    else next[key] = checked.value;
  }
  if (problems.length > 0) throw new InvalidOverride(problems);
  return next;
}

/**
 * `key=value` as typed on a command line: the value is read as JSON when it is JSON (`30`,
 * `true`, `null`, `["+1900*"]`), else taken as text (`USER_BUSY`, `de`, `+14155550100`).
 */
export function parseAssignment(text: string): [string, unknown] {
  const at = text.indexOf('=');
  if (at <= 0) throw new InvalidOverride([`"${text}": expected key=value`]);
  const raw = text.slice(at + 1);
  return [text.slice(0, at).trim(), jsonOrText(raw)];
}

function jsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
