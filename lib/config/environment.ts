import { coerceText } from './coerce';
import { ENV_PREFIX, RESERVED_ENV_VARS } from './env-names';
import { settingsIssue, type SettingsIssue } from './errors';
import { isSecretKey, renderValue } from './mask';
import type { Assignment, Layer } from './sources';
import { closest } from './suggest';
import type { SettingEntry, SettingsMap } from './walk';

/** Reads every `CALLBACK_*` variable; an unknown one is an error, since it is most likely a typo. */
export function readEnvironment(env: NodeJS.ProcessEnv, map: SettingsMap): Layer {
  const byName = new Map<string, SettingEntry>();
  for (const entry of map.entries) if (entry.envVar !== undefined) byName.set(entry.envVar, entry);
  const assignments: Assignment[] = [];
  const issues: SettingsIssue[] = [];
  for (const [name, text] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(ENV_PREFIX) || text === undefined || RESERVED_ENV_VARS.has(name)) continue;
    const entry = byName.get(name);
    if (entry === undefined) {
      issues.push(unknownVariable(name, text, byName));
      continue;
    }
    const result = fromText(entry, name, text);
    if (result === undefined) continue;
    if ('problem' in result) issues.push(result);
    else assignments.push(result);
  }
  return { assignments, issues };
}

/** One variable's text as an assignment to `entry`; also used for the PORT shorthand. */
export function fromText(entry: SettingEntry, name: string, text: string): Assignment | SettingsIssue | undefined {
  const coerced = coerceText(entry, text);
  if (coerced.kind === 'unset') return undefined;
  if (coerced.kind === 'invalid') {
    return settingsIssue({ setting: entry.key, source: name, value: renderValue(text, isSecretKey(entry.key)), problem: coerced.problem });
  }
  return { path: entry.path, value: coerced.value, raw: text, source: { kind: 'env', name } };
}

function unknownVariable(name: string, text: string, known: ReadonlyMap<string, SettingEntry>): SettingsIssue {
  const suggestion = suggestVariable(name, [...known.keys(), ...RESERVED_ENV_VARS]);
  const setting = suggestion === undefined ? undefined : known.get(suggestion)?.key;
  const hint =
    suggestion === undefined
      ? 'the variables are listed in docs/settings.md'
      : `did you mean ${suggestion}${setting === undefined ? '' : ` (${setting})`}?`;
  return settingsIssue({
    setting: name,
    source: 'environment',
    value: renderValue(text, isSecretKey(name)),
    problem: `not a known setting; ${hint}`,
  });
}

/**
 * A near-miss spelling, or the one variable that ends like the given one: `CALLBACK_MAX_RETRIES`
 * forgets the section and means `CALLBACK_CALLBACK_MAX_RETRIES`.
 */
function suggestVariable(name: string, known: readonly string[]): string | undefined {
  const near = closest(name, known);
  if (near !== undefined) return near;
  const tail = `_${name.slice(ENV_PREFIX.length)}`;
  const endings = known.filter((candidate) => candidate.endsWith(tail));
  return endings.length === 1 ? endings[0] : undefined;
}
