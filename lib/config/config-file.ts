import fs from 'node:fs';
import path from 'node:path';
import { errorCode, errorMessage } from './error-text';
import { SettingsError, settingsIssue } from './errors';
import { renderValue } from './mask';
import { formatPath, isPlainObject } from './paths';
import type { Assignment, Layer } from './sources';
import type { SettingsMap } from './walk';

/** `$schema` lets editors validate the file; it is not a setting. */
const IGNORED_KEYS = new Set(['$schema']);

/**
 * Reads the JSON config file into one assignment per setting. A file that cannot be used at all
 * stops loading at once: checking the rest without it would only add confusing follow-on errors.
 */
export function readConfigFile(file: string, origin: string, map: SettingsMap): Layer {
  const absolute = path.resolve(file);
  const fail = (problem: string): never => {
    throw new SettingsError([settingsIssue({ setting: 'config file', source: origin, value: renderValue(absolute, false), problem })]);
  };
  let text = '';
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (error) {
    fail(`cannot be read (${readProblem(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail(`not valid JSON: ${jsonProblem(error, text)}`);
  }
  if (!isPlainObject(parsed)) return fail(`expected a JSON object at the top level, got ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}`);
  return { assignments: flatten(parsed, [], absolute, map.objects), issues: [] };
}

/** Descends only into objects the schema has, so an unknown or mistyped section stays one value. */
function flatten(object: Record<string, unknown>, at: readonly string[], file: string, objects: ReadonlySet<string>): Assignment[] {
  const assignments: Assignment[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (at.length === 0 && IGNORED_KEYS.has(key)) continue;
    const keyPath = [...at, key];
    if (isPlainObject(value) && objects.has(formatPath(keyPath))) assignments.push(...flatten(value, keyPath, file, objects));
    else assignments.push({ path: keyPath, value, raw: value, source: { kind: 'file', file } });
  }
  return assignments;
}

const READ_PROBLEMS: Readonly<Record<string, string>> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory' };

function readProblem(error: unknown): string {
  return READ_PROBLEMS[errorCode(error) ?? ''] ?? errorMessage(error);
}

/** Node reports a character offset; an editor wants a line and column. */
function jsonProblem(error: unknown, text: string): string {
  const message = errorMessage(error);
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return message;
  const before = text.slice(0, Number(position)).split('\n');
  return `${message} (line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1})`;
}
