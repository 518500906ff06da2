import { readConfigFile } from './config-file';
import { CONFIG_FILE_ENV } from './env-names';
import { readEnvironment } from './environment';
import { SettingsError } from './errors';
import { toSettingsIssues } from './issues';
import { mergeLayers } from './merge';
import { getPath, isPlainObject, setPath } from './paths';
import { settingsSchema, type Settings } from './schema';
import { readShorthands } from './shorthands';
import type { Layer } from './sources';
import { settingsMap } from './walk';

export interface LoadOptions {
  /** Usually `process.env`; tests pass their own. */
  readonly env: NodeJS.ProcessEnv;
  /** JSON config file; wins over `CALLBACK_CONFIG` (a command-line flag is the more explicit wish). */
  readonly configFile?: string;
}

/**
 * Sources, later wins: schema defaults < JSON config file < DATABASE_URL / REDIS_URL / PORT <
 * CALLBACK_* variables. Every problem in every source is reported at once in a SettingsError.
 */
export function loadSettings(options: LoadOptions): Settings {
  const map = settingsMap();
  const layers: Layer[] = [];
  const file = options.configFile ?? options.env[CONFIG_FILE_ENV];
  if (file !== undefined && file !== '') {
    layers.push(readConfigFile(file, options.configFile === undefined ? CONFIG_FILE_ENV : 'configFile option', map));
  }
  layers.push(readShorthands(options.env, map), readEnvironment(options.env, map));
  const merged = mergeLayers(
    layers.map((layer) => layer.assignments),
    map.unions,
  );
  applyLogFormatDefault(merged.input);
  const result = settingsSchema.safeParse(merged.input);
  const issues = [...layers.flatMap((layer) => layer.issues), ...(result.success ? [] : toSettingsIssues(result.error.issues, merged, map))];
  if (issues.length > 0 || !result.success) throw new SettingsError(issues);
  return result.data;
}

/** Production logs go to collectors that want JSON; everywhere else a person reads them. */
function applyLogFormatDefault(input: Record<string, unknown>): void {
  const log = input.log;
  if (log !== undefined && !isPlainObject(log)) return;
  if (getPath(input, ['log', 'format']) !== undefined) return;
  setPath(input, ['log', 'format'], input.env === 'production' ? 'json' : 'pretty');
}
