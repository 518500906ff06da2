import { CONFIG_FILE_ENV } from './env-names';
import { SHORTHAND_ENV_VARS } from './shorthands';
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

In variables, numbers are written as digits, booleans as \`true\`, \`false\`, \`1\` or \`0\` (nothing else),
lists as JSON. An empty variable means "not set", or \`null\` where null is allowed. Setting a field of one
\`database\` / \`queue\` variant (e.g. \`CALLBACK_DATABASE_URL\`) selects that variant. An unknown \`CALLBACK_*\`
variable or config-file key is an error, so typos do not pass silently.
`;

export function settingsTable(): string {
  const rows = settingsMap().entries.map(row);
  return [
    INTRO,
    '| Setting | Environment variable | Default | Allowed | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function row(entry: SettingEntry): string {
  const variable = entry.envVar === undefined ? '(part of the list)' : code(entry.envVar);
  const condition = entry.onlyWhen === undefined ? '' : `Only when \`${entry.onlyWhen.key}\` is \`${entry.onlyWhen.value}\`. `;
  return `| ${[code(entry.key), variable, defaultOf(entry), cell(entry.allowed), cell(condition + entry.description)].join(' | ')} |`;
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
