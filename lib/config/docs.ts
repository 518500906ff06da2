import { CONFIG_FILE_ENV } from './env-names';
import { SHORTHAND_ENV_VARS } from './shorthands';
import { overrideLayersOf, type OverrideLayer } from '../settings/overridable';
import { settingsMap, type SettingEntry } from './walk';

/*
 * docs/settings.md is this function's output (scripts/settings-table.ts writes it, a test
 * compares), so the documentation is the schema and cannot drift from it.
 */

const INTRO = `# Settings

<!-- Generated from lib/config/schema.ts by \`npm run settings:doc\`; do not edit. -->

Every setting has a default; together they give the **embedded mode**: SQLite in
\`./data/callback.sqlite\`, the in-process queue and the bundled FreeSWITCH simulator.

Sources, later wins:

1. the defaults below;
2. a JSON config file, named by \`${CONFIG_FILE_ENV}\` (or the \`configFile\` option of \`loadSettings\`),
   whose keys are the setting paths as nested objects, e.g. \`{ "callback": { "maxRetries": 3 } }\`;
3. the conventional variables ${SHORTHAND_ENV_VARS.map((name) => `\`${name}\``).join(', ')}: \`DATABASE_URL\` selects
   MySQL for \`mysql://…\` (or \`mariadb://…\`) and SQLite for \`sqlite:<file>\` or a plain file path, \`REDIS_URL\`
   selects the Redis queue, \`PORT\` sets \`http.port\`;
4. the \`CALLBACK_*\` variables in the table.

The Scope column says where else a setting may be set. Callback settings with an account or access-number
scope are overridden in that account's or number's settings (\`accounts set <id> --setting key=value\`,
\`dids set <did> --setting key=value\`, or \`PATCH /api/v1/accounts/:id/settings\` and
\`/api/v1/access-numbers/:did/settings\`), under the same name without \`callback.\` (caller-ID keys
without \`callerId.\` too); an order may set those with a request scope. One call runs with the request's
value, else its access number's, else its account's, else the system's (\`accounts show\` and
\`dids show\` print each value with where it comes from). The account's \`language\` column is its
language override.

In variables, numbers are written as digits, booleans as \`true\`, \`false\`, \`1\` or \`0\` (nothing else),
lists as JSON. An empty variable means "not set", or \`null\` where null is allowed. Setting a field of one
\`database\` / \`queue\` variant (e.g. \`CALLBACK_DATABASE_URL\`) selects that variant. An unknown \`CALLBACK_*\`
variable or config-file key is an error, so typos do not pass silently.
`;

export function settingsTable(): string {
  const rows = settingsMap().entries.map(row);
  return [
    INTRO,
    '| Setting | Environment variable | Default | Allowed | Description | Scope |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function row(entry: SettingEntry): string {
  const variable = entry.envVar === undefined ? '(part of the list)' : code(entry.envVar);
  const condition = entry.onlyWhen === undefined ? '' : `Only when \`${entry.onlyWhen.key}\` is \`${entry.onlyWhen.value}\`. `;
  return `| ${[code(entry.key), variable, defaultOf(entry), cell(entry.allowed), cell(condition + entry.description), scopeOf(entry.key)].join(' | ')} |`;
}

const SCOPE_WORDS: Record<OverrideLayer, string> = { account: 'account', 'access-number': 'access number', request: 'request' };

/** Where a setting may be set: the system always; callback settings also per account, access number or request (lib/settings). */
function scopeOf(key: string): string {
  const layers = overrideLayersOf(key);
  return ['system', ...(['account', 'access-number', 'request'] as const).filter((layer) => layers.includes(layer)).map((layer) => SCOPE_WORDS[layer])].join(', ');
}

function defaultOf(entry: SettingEntry): string {
  if (entry.defaultText !== undefined) return cell(entry.defaultText);
  if (!entry.hasDefault) return entry.optional ? '(unset)' : '(required)';
  return code(JSON.stringify(entry.defaultValue) ?? String(entry.defaultValue));
}

function code(text: string): string {
  return `\`${cell(text)}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const README_START = '<!-- settings:start -->';
const README_END = '<!-- settings:end -->';

/** The README with its Settings section replaced by the generated table (headings demoted one level). */
export function readmeWithSettings(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${README_START} … ${README_END} markers`);
  const body = settingsTable()
    .replace(/^# Settings\n+/, '')
    .replace(/^(#+) /gm, '$1# ');
  return `${readme.slice(0, start + README_START.length)}\n${body}${readme.slice(end)}`;
}
