import type { z } from 'zod';
import { settingsIssue, type SettingsIssue } from './errors';
import { isSecretKey, renderValue } from './mask';
import type { Merged } from './merge';
import { formatPath, genericPath, getPath, type PathSegment } from './paths';
import { describeSource } from './sources';
import { closest } from './suggest';
import { childKeys, entryFor, type SettingsMap } from './walk';

/*
 * Turns zod's issues into operator messages: the setting, where its value came from, the value
 * as written (masked), and what is allowed, worded from the schema rather than zod's generic text.
 */

export function toSettingsIssues(issues: readonly z.core.$ZodIssue[], merged: Merged, map: SettingsMap): SettingsIssue[] {
  return issues.flatMap((issue) => {
    const at = issue.path.map(toSegment);
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => describe([...at, key], unknownKeyProblem(at, key, merged, map), merged, map));
    return [describe(at, problemOf(issue, at, map), merged, map)];
  });
}

function describe(path: readonly PathSegment[], problem: string, merged: Merged, map: SettingsMap): SettingsIssue {
  const secret = path.some((segment) => typeof segment === 'string' && isSecretKey(segment));
  const origin = originOf(path, merged, map);
  return settingsIssue({ setting: formatPath(path), source: origin.source, value: renderValue(origin.value, secret), problem });
}

/** The nearest source that set this position or an enclosing one (a list given as one JSON value). */
function originOf(path: readonly PathSegment[], merged: Merged, map: SettingsMap): { source: string; value: unknown } {
  for (let length = path.length; length > 0; length -= 1) {
    const assignment = merged.provenance.get(formatPath(path.slice(0, length)));
    if (assignment === undefined) continue;
    const exact = length === path.length;
    return { source: describeSource(assignment.source, path, exact), value: exact ? assignment.raw : getPath(merged.input, path) };
  }
  // Not given anywhere: name the variable that would set it.
  const entry = entryFor(map, path);
  return { source: entry?.envVar ?? entry?.key ?? 'settings', value: undefined };
}

function problemOf(issue: z.core.$ZodIssue, at: readonly PathSegment[], map: SettingsMap): string {
  // Our own checks (URLs, numbers, cross-field rules) already say what is expected, and why.
  if (issue.code === 'custom') return issue.message;
  const entry = entryFor(map, at);
  if (entry !== undefined) return `expected ${entry.allowed}`;
  const keys = childKeys(map, at);
  return keys.length > 0 ? `expected an object with the keys ${keys.join(', ')}` : issue.message;
}

function unknownKeyProblem(parent: readonly PathSegment[], key: string, merged: Merged, map: SettingsMap): string {
  const full = [...parent, key];
  const variant = map.entries.find((entry) => entry.key === formatPath(genericPath(full)) && entry.onlyWhen !== undefined)?.onlyWhen;
  if (variant !== undefined) {
    const current = getPath(merged.input, [...parent, variant.key.split('.').pop() ?? '']);
    return `only allowed when ${variant.key} is "${variant.value}" (it is ${JSON.stringify(current ?? '(not set)')})`;
  }
  const siblings = childKeys(map, parent);
  const near = closest(key, siblings);
  const prefix = parent.length === 0 ? '' : `${formatPath(parent)}.`;
  if (near !== undefined) return `not a known setting; did you mean ${prefix}${near}?`;
  return `not a known setting; expected one of ${siblings.map((name) => prefix + name).join(', ')}`;
}

function toSegment(segment: PropertyKey): PathSegment {
  return typeof segment === 'number' ? segment : String(segment);
}
