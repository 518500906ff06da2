import { fromText } from './environment';
import { settingsIssue, type SettingsIssue } from './errors';
import { renderValue } from './mask';
import type { Assignment, Layer, Source } from './sources';
import { entryFor, type SettingsMap } from './walk';

/*
 * The conventional variables that platforms (Heroku-style hosts, compose files, CI services) set
 * on their own. They rank below the CALLBACK_* variables, which are the more specific wish.
 */

export const SHORTHAND_ENV_VARS = ['DATABASE_URL', 'REDIS_URL', 'PORT'] as const;

const DATABASE_URL_ALLOWED = 'expected mysql://user:password@host:port/database (or mariadb://), sqlite:<file>, sqlite::memory: or a plain file path';

export function readShorthands(env: NodeJS.ProcessEnv, map: SettingsMap): Layer {
  const assignments: Assignment[] = [];
  const issues: SettingsIssue[] = [];
  const collect = (result: Assignment | SettingsIssue | Assignment[] | undefined): void => {
    if (result === undefined) return;
    if (Array.isArray(result)) assignments.push(...result);
    else if ('problem' in result) issues.push(result);
    else assignments.push(result);
  };
  const database = env.DATABASE_URL;
  if (database !== undefined && database !== '') collect(databaseFromUrl(database));
  const redis = env.REDIS_URL;
  if (redis !== undefined && redis !== '') collect(redisFromUrl(redis));
  const port = env.PORT;
  const portEntry = entryFor(map, ['http', 'port']);
  if (port !== undefined && portEntry !== undefined) collect(fromText(portEntry, 'PORT', port));
  return { assignments, issues };
}

/** Same one-string forms as lib/store's databaseSettingsFromUrl, plus a bare file path. */
function databaseFromUrl(url: string): Assignment[] | SettingsIssue {
  const source: Source = { kind: 'env', name: 'DATABASE_URL' };
  const assign = (key: string, value: string): Assignment => ({ path: ['database', key], value, raw: url, source });
  if (/^(mysql|mariadb):\/\//i.test(url)) return [assign('client', 'mysql'), assign('url', url)];
  if (/^sqlite:/i.test(url)) {
    const filename = url.replace(/^sqlite:(\/\/)?/i, '');
    if (filename !== '') return [assign('client', 'sqlite'), assign('filename', filename)];
  } else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return [assign('client', 'sqlite'), assign('filename', url)];
  }
  return settingsIssue({ setting: 'database', source: 'DATABASE_URL', value: renderValue(url, false), problem: DATABASE_URL_ALLOWED });
}

function redisFromUrl(url: string): Assignment[] {
  const source: Source = { kind: 'env', name: 'REDIS_URL' };
  return [
    { path: ['queue', 'driver'], value: 'redis', raw: url, source },
    { path: ['queue', 'url'], value: url, raw: url, source },
  ];
}
