/** Every setting's variable is this prefix plus its path in SCREAMING_SNAKE. */
export const ENV_PREFIX = 'CALLBACK_';

/** Names the config file; it has the prefix but is not a setting itself. */
export const CONFIG_FILE_ENV = 'CALLBACK_CONFIG';

/** Variables of ours that are not settings: the config file's path, and the set-up switch the Docker image uses. */
export const RESERVED_ENV_VARS: ReadonlySet<string> = new Set([CONFIG_FILE_ENV, 'CALLBACK_SKIP_SETUP']);

/** `maxRetries` → `MAX_RETRIES`, `operatorApiKey` → `OPERATOR_API_KEY`. */
export function screamingSnake(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

export function envVarName(path: readonly string[]): string {
  return ENV_PREFIX + path.map(screamingSnake).join('_');
}
