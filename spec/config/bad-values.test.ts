import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings, SettingsError, type SettingsIssue } from '../../lib/config';
import { settingsMap } from '../../lib/config/walk';

/*
 * Every bad value must name the setting, where it came from, the value given and what is
 * allowed, so an operator can fix a failed start from the message alone.
 */

const NODE = { name: 'fs1', host: '10.0.0.5' };
const nodes = (...list: unknown[]): string => JSON.stringify(list);

interface BadCase {
  label: string;
  env?: Record<string, string>;
  /** Written to a temporary JSON config file; `<file>` in `source` stands for its path. */
  file?: unknown;
  setting: string;
  source: string;
  value: string;
  /** The exact problem, or a part of it (the full allowed list is long for some settings). */
  problem: string;
}

const cases: BadCase[] = [
  {
    label: 'a word where an integer belongs',
    env: { CALLBACK_CALLBACK_MAX_RETRIES: 'eleven' },
    setting: 'callback.maxRetries',
    source: 'CALLBACK_CALLBACK_MAX_RETRIES',
    value: '"eleven"',
    problem: 'expected an integer from 0 to 10',
  },
  {
    label: 'an integer above the range',
    env: { CALLBACK_CALLBACK_MAX_RETRIES: '11' },
    setting: 'callback.maxRetries',
    source: 'CALLBACK_CALLBACK_MAX_RETRIES',
    value: '"11"',
    problem: 'expected an integer from 0 to 10',
  },
  {
    label: 'a fraction where an integer belongs',
    env: { CALLBACK_CALLBACK_DELAY_SECONDS: '2.5' },
    setting: 'callback.delaySeconds',
    source: 'CALLBACK_CALLBACK_DELAY_SECONDS',
    value: '"2.5"',
    problem: 'expected an integer from 0 to 120',
  },
  {
    label: 'a ring time below the minimum',
    env: { CALLBACK_CALLBACK_WAIT_TIME_SECONDS: '3' },
    setting: 'callback.waitTimeSeconds',
    source: 'CALLBACK_CALLBACK_WAIT_TIME_SECONDS',
    value: '"3"',
    problem: 'expected an integer from 5 to 300',
  },
  {
    label: 'a negative port',
    env: { CALLBACK_HTTP_PORT: '-1' },
    setting: 'http.port',
    source: 'CALLBACK_HTTP_PORT',
    value: '"-1"',
    problem: 'expected an integer from 0 to 65535 (0 = any free port)',
  },
  {
    label: 'a port too big through PORT',
    env: { PORT: '70000' },
    setting: 'http.port',
    source: 'PORT',
    value: '"70000"',
    problem: 'expected an integer from 0 to 65535 (0 = any free port)',
  },
  {
    label: 'an unknown log level',
    env: { CALLBACK_LOG_LEVEL: 'verbose' },
    setting: 'log.level',
    source: 'CALLBACK_LOG_LEVEL',
    value: '"verbose"',
    problem: 'expected one of "error", "warn", "info", "debug"',
  },
  {
    label: 'an unknown callback method',
    env: { CALLBACK_CALLBACK_METHOD: 'call_me' },
    setting: 'callback.method',
    source: 'CALLBACK_CALLBACK_METHOD',
    value: '"call_me"',
    problem: 'expected one of "call_to_caller", "call_to_number", "call_extension"',
  },
  {
    label: 'an unknown environment kind',
    env: { CALLBACK_ENV: 'staging' },
    setting: 'env',
    source: 'CALLBACK_ENV',
    value: '"staging"',
    problem: 'expected one of "development", "production", "test"',
  },
  {
    label: 'an unsupported database client',
    env: { CALLBACK_DATABASE_CLIENT: 'postgres' },
    setting: 'database.client',
    source: 'CALLBACK_DATABASE_CLIENT',
    value: '"postgres"',
    problem: 'expected one of "sqlite", "mysql"',
  },
  {
    label: 'an unsupported queue driver',
    env: { CALLBACK_QUEUE_DRIVER: 'kafka' },
    setting: 'queue.driver',
    source: 'CALLBACK_QUEUE_DRIVER',
    value: '"kafka"',
    problem: 'expected one of "memory", "redis"',
  },
  {
    label: 'a database URL that is not a URL',
    env: { CALLBACK_DATABASE_CLIENT: 'mysql', CALLBACK_DATABASE_URL: 'db.example.com' },
    setting: 'database.url',
    source: 'CALLBACK_DATABASE_URL',
    value: '"db.example.com"',
    problem: 'expected a mysql://user:password@host:port/database URL (mariadb:// is read as mysql://); this is not a URL',
  },
  {
    label: 'a database URL of another database',
    env: { CALLBACK_DATABASE_CLIENT: 'mysql', CALLBACK_DATABASE_URL: 'postgres://cb@db/callback' },
    setting: 'database.url',
    source: 'CALLBACK_DATABASE_URL',
    value: '"postgres://cb@db/callback"',
    problem: 'the scheme "postgres" is not accepted',
  },
  {
    label: 'a MySQL URL without a database',
    env: { DATABASE_URL: 'mysql://cb@db:3306/' },
    setting: 'database.url',
    source: 'DATABASE_URL',
    value: '"mysql://cb@db:3306/"',
    problem: 'the database name (path) is missing',
  },
  {
    label: 'a DATABASE_URL of an unsupported database',
    env: { DATABASE_URL: 'postgres://cb@db/callback' },
    setting: 'database',
    source: 'DATABASE_URL',
    value: '"postgres://cb@db/callback"',
    problem: 'expected mysql://user:password@host:port/database (or mariadb://), sqlite:<file>, sqlite::memory: or a plain file path',
  },
  {
    label: 'a REDIS_URL that is not redis://',
    env: { REDIS_URL: 'http://127.0.0.1:6379' },
    setting: 'queue.url',
    source: 'REDIS_URL',
    value: '"http://127.0.0.1:6379"',
    problem: 'expected a redis:// or rediss:// URL such as redis://127.0.0.1:6379/0; the scheme "http" is not accepted',
  },
  {
    label: 'a public URL of the wrong scheme',
    env: { CALLBACK_HTTP_PUBLIC_URL: 'ftp://example.com' },
    setting: 'http.publicUrl',
    source: 'CALLBACK_HTTP_PUBLIC_URL',
    value: '"ftp://example.com"',
    problem: 'expected an http:// or https:// URL; the scheme "ftp" is not accepted',
  },
  {
    label: 'external mode without nodes',
    env: { CALLBACK_FREESWITCH_MODE: 'external' },
    setting: 'freeswitch.nodes',
    source: 'CALLBACK_FREESWITCH_NODES',
    value: '(not set)',
    problem: 'at least one node is required when freeswitch.mode is "external"; give a JSON array such as [{"name":"fs1","host":"10.0.0.5"}]',
  },
  {
    label: 'two nodes with one name',
    env: { CALLBACK_FREESWITCH_NODES: nodes(NODE, { ...NODE, host: '10.0.0.6' }) },
    setting: 'freeswitch.nodes[1].name',
    source: 'in CALLBACK_FREESWITCH_NODES',
    value: '"fs1"',
    problem: 'duplicate node name "fs1"; every node needs a unique name',
  },
  {
    label: 'a node with an empty (deprecated) gateway list',
    env: { CALLBACK_FREESWITCH_NODES: nodes({ ...NODE, gateways: [] }) },
    setting: 'freeswitch.nodes[0].gateways',
    source: 'in CALLBACK_FREESWITCH_NODES',
    value: '[]',
    problem: 'expected a non-empty list of gateway names',
  },
  {
    label: 'a node without a host',
    env: { CALLBACK_FREESWITCH_NODES: nodes({ name: 'fs1' }) },
    setting: 'freeswitch.nodes[0].host',
    source: 'in CALLBACK_FREESWITCH_NODES',
    value: '(not set)',
    problem: 'expected a host name or IP address',
  },
  {
    label: 'a node port out of range',
    env: { CALLBACK_FREESWITCH_NODES: nodes({ ...NODE, port: 0 }) },
    setting: 'freeswitch.nodes[0].port',
    source: 'in CALLBACK_FREESWITCH_NODES',
    value: '0',
    problem: 'expected an integer from 1 to 65535',
  },
  {
    label: 'a misspelt node key',
    env: { CALLBACK_FREESWITCH_NODES: nodes({ ...NODE, gateway: ['g'] }) },
    setting: 'freeswitch.nodes[0].gateway',
    source: 'in CALLBACK_FREESWITCH_NODES',
    value: '["g"]',
    problem: 'not a known setting; did you mean freeswitch.nodes[0].gateways?',
  },
  {
    label: 'nodes that are not a list',
    env: { CALLBACK_FREESWITCH_NODES: JSON.stringify(NODE) },
    setting: 'freeswitch.nodes',
    source: 'CALLBACK_FREESWITCH_NODES',
    value: JSON.stringify(JSON.stringify(NODE)),
    problem: 'expected a JSON array of nodes such as [{"name":"fs1","host":"10.0.0.5"}]',
  },
  {
    label: 'nodes that are not JSON',
    env: { CALLBACK_FREESWITCH_NODES: "[{name: 'fs1'}]" },
    setting: 'freeswitch.nodes',
    source: 'CALLBACK_FREESWITCH_NODES',
    value: '"[{name: \'fs1\'}]"',
    problem: 'not valid JSON (',
  },
  {
    label: 'a failover cause that is the called party\'s answer',
    env: { CALLBACK_ROUTING_FAILOVER_CAUSES: '["GATEWAY_DOWN","USER_BUSY"]' },
    setting: 'routing.failoverCauses[1]',
    source: 'in CALLBACK_ROUTING_FAILOVER_CAUSES',
    value: '"USER_BUSY"',
    problem: 'USER_BUSY is the called party\'s answer; trying another carrier would call them again',
  },
  {
    label: 'a callback server that is not a node',
    env: { CALLBACK_FREESWITCH_MODE: 'external', CALLBACK_FREESWITCH_NODES: nodes(NODE), CALLBACK_CALLBACK_CALLBACK_SERVER: 'fs9' },
    setting: 'callback.callbackServer',
    source: 'CALLBACK_CALLBACK_CALLBACK_SERVER',
    value: '"fs9"',
    problem: 'expected "any" or the name of a node in freeswitch.nodes: "fs1"',
  },
  {
    label: 'a wildcard address FreeSWITCH cannot connect back to',
    env: { CALLBACK_FREESWITCH_MODE: 'external', CALLBACK_FREESWITCH_NODES: nodes(NODE), CALLBACK_SOCKET_SERVER_HOST: '0.0.0.0' },
    setting: 'socketServer.advertiseHost',
    source: 'CALLBACK_SOCKET_SERVER_ADVERTISE_HOST',
    value: '(not set)',
    problem: 'expected an address FreeSWITCH can connect to; set it when socketServer.host listens on all interfaces',
  },
  {
    label: 'a headers timeout longer than the request timeout',
    env: { CALLBACK_HTTP_HEADERS_TIMEOUT_MS: '40000', CALLBACK_HTTP_REQUEST_TIMEOUT_MS: '30000' },
    setting: 'http.headersTimeoutMs',
    source: 'CALLBACK_HTTP_HEADERS_TIMEOUT_MS',
    value: '"40000"',
    problem: 'expected at most http.requestTimeoutMs (30000)',
  },
  {
    label: 'a webhook allow-list entry that is a host name',
    env: { CALLBACK_HTTP_WEBHOOK_ALLOW_PRIVATE_TARGETS: '10.0.0.0/8, hooks.internal' },
    setting: 'http.webhookAllowPrivateTargets',
    source: 'CALLBACK_HTTP_WEBHOOK_ALLOW_PRIVATE_TARGETS',
    value: '"10.0.0.0/8, hooks.internal"',
    problem: 'expected comma-separated IP addresses or CIDR ranges, such as 10.0.0.5,192.168.1.0/24; "hooks.internal" is not an IP address or CIDR range',
  },
  {
    label: 'a webhook allow-list range with a prefix too long',
    env: { CALLBACK_HTTP_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'fd00::/129' },
    setting: 'http.webhookAllowPrivateTargets',
    source: 'CALLBACK_HTTP_WEBHOOK_ALLOW_PRIVATE_TARGETS',
    value: '"fd00::/129"',
    problem: '"fd00::/129" has an invalid prefix length',
  },
  {
    label: 'a caller ID in national format',
    env: { CALLBACK_CALLBACK_CALLER_ID_CALLBACK_CID: '0044 20 7946 0000' },
    setting: 'callback.callerId.callbackCid',
    source: 'CALLBACK_CALLBACK_CALLER_ID_CALLBACK_CID',
    value: '"0044 20 7946 0000"',
    problem: 'expected an E.164 number such as +14155550100',
  },
  {
    label: 'a caller ID too short to be a number',
    env: { CALLBACK_CALLBACK_CALLER_ID_WEB_CALLBACK_CID: '+1555' },
    setting: 'callback.callerId.webCallbackCid',
    source: 'CALLBACK_CALLBACK_CALLER_ID_WEB_CALLBACK_CID',
    value: '"+1555"',
    problem: 'expected an E.164 number such as +14155550100',
  },
  {
    label: 'a misspelt variable',
    env: { CALLBACK_HTTP_PROT: '9000' },
    setting: 'CALLBACK_HTTP_PROT',
    source: 'environment',
    value: '"9000"',
    problem: 'not a known setting; did you mean CALLBACK_HTTP_PORT (http.port)?',
  },
  {
    label: 'a variable without its section',
    env: { CALLBACK_MAX_RETRIES: '3' },
    setting: 'CALLBACK_MAX_RETRIES',
    source: 'environment',
    value: '"3"',
    problem: 'not a known setting; did you mean CALLBACK_CALLBACK_MAX_RETRIES (callback.maxRetries)?',
  },
  {
    label: 'a variable nothing like a setting',
    env: { CALLBACK_FLUX_CAPACITOR: 'on' },
    setting: 'CALLBACK_FLUX_CAPACITOR',
    source: 'environment',
    value: '"on"',
    problem: 'not a known setting; the variables are listed in docs/settings.md',
  },
  {
    label: '"yes" for a boolean',
    env: { CALLBACK_CALLBACK_ACTIVE_FOR_USERS: 'yes' },
    setting: 'callback.activeForUsers',
    source: 'CALLBACK_CALLBACK_ACTIVE_FOR_USERS',
    value: '"yes"',
    problem: 'expected true or false',
  },
  {
    label: 'an unknown hangup cause name',
    env: { CALLBACK_CALLBACK_REJECT_HANGUP_CAUSE: 'BUSY' },
    setting: 'callback.rejectHangupCause',
    source: 'CALLBACK_CALLBACK_REJECT_HANGUP_CAUSE',
    value: '"BUSY"',
    problem: 'expected a Q.850 hangup cause name or code (1–127), e.g. USER_BUSY or 17, CALL_REJECTED or 21',
  },
  {
    label: 'an unknown hangup cause code',
    env: { CALLBACK_CALLBACK_REJECT_HANGUP_CAUSE: '999' },
    setting: 'callback.rejectHangupCause',
    source: 'CALLBACK_CALLBACK_REJECT_HANGUP_CAUSE',
    value: '"999"',
    problem: 'expected a Q.850 hangup cause name or code (1–127)',
  },
  {
    label: 'a FreeSWITCH-only cause that is no Q.850 cause',
    env: { CALLBACK_CALLBACK_REJECT_HANGUP_CAUSE: 'LOSE_RACE' },
    setting: 'callback.rejectHangupCause',
    source: 'CALLBACK_CALLBACK_REJECT_HANGUP_CAUSE',
    value: '"LOSE_RACE"',
    problem: 'expected a Q.850 hangup cause name or code (1–127)',
  },
  {
    label: 'a country in lower case',
    env: { CALLBACK_CALLBACK_DEFAULT_COUNTRY: 'us' },
    setting: 'callback.defaultCountry',
    source: 'CALLBACK_CALLBACK_DEFAULT_COUNTRY',
    value: '"us"',
    problem: 'expected an ISO 3166 alpha-2 country code in capitals, such as US, GB or DE',
  },
  {
    label: 'a prompt name that climbs out of its folder',
    env: { CALLBACK_CALLBACK_BUSY_IVR: '../../etc/passwd' },
    setting: 'callback.busyIvr',
    source: 'CALLBACK_CALLBACK_BUSY_IVR',
    value: '"../../etc/passwd"',
    problem: 'expected a prompt name (letters, digits, _ and -, optionally in folders like ivr/busy), or null for none',
  },
  {
    label: 'a pool whose minimum exceeds its maximum',
    env: { DATABASE_URL: 'mysql://cb@db/callback', CALLBACK_DATABASE_POOL_MIN: '8', CALLBACK_DATABASE_POOL_MAX: '4' },
    setting: 'database.pool.max',
    source: 'CALLBACK_DATABASE_POOL_MAX',
    value: '"4"',
    problem: 'expected an integer of at least database.pool.min (8)',
  },
  {
    label: 'a queue prefix with spaces',
    env: { CALLBACK_QUEUE_PREFIX: 'call back' },
    setting: 'queue.prefix',
    source: 'CALLBACK_QUEUE_PREFIX',
    value: '"call back"',
    problem: 'expected letters, digits, _, - and :',
  },
  {
    label: 'a string for a number in the config file',
    file: { callback: { maxRetries: '3' } },
    setting: 'callback.maxRetries',
    source: 'key callback.maxRetries in config file <file>',
    value: '"3"',
    problem: 'expected an integer from 0 to 10',
  },
  {
    label: 'a misspelt key in the config file',
    file: { http: { prot: 9000 } },
    setting: 'http.prot',
    source: 'key http.prot in config file <file>',
    value: '9000',
    problem: 'not a known setting; did you mean http.port?',
  },
  {
    label: 'a misspelt section in the config file',
    file: { calback: { maxRetries: 3 } },
    setting: 'calback',
    source: 'key calback in config file <file>',
    value: '{"maxRetries":3}',
    problem: 'not a known setting; did you mean callback?',
  },
  {
    label: 'a key of the other database variant in the config file',
    file: { database: { client: 'sqlite', url: 'mysql://cb@db/callback' } },
    setting: 'database.url',
    source: 'key database.url in config file <file>',
    value: '"mysql://cb@db/callback"',
    problem: 'only allowed when database.client is "mysql" (it is "sqlite")',
  },
  {
    label: 'a section that is not an object in the config file',
    file: { http: 8080 },
    setting: 'http',
    source: 'key http in config file <file>',
    value: '8080',
    problem: 'expected an object with the keys host, port, publicUrl',
  },
  {
    label: 'a boolean written as a string in the config file',
    file: { callback: { callerId: { forwardPartyNumbers: 'true' } } },
    setting: 'callback.callerId.forwardPartyNumbers',
    source: 'key callback.callerId.forwardPartyNumbers in config file <file>',
    value: '"true"',
    problem: 'expected true or false',
  },
  {
    label: 'an in-call code table naming an unknown feature',
    env: { CALLBACK_FEATURES_CODES: 'consult=##N# transfer=*7' },
    setting: 'features.codes',
    source: 'CALLBACK_FEATURES_CODES',
    value: '"consult=##N# transfer=*7"',
    problem: '"transfer" is not an in-call feature',
  },
  {
    label: 'an in-call code table with one code twice',
    env: { CALLBACK_FEATURES_CODES: 'record_start=*8 record_stop=*8' },
    setting: 'features.codes',
    source: 'CALLBACK_FEATURES_CODES',
    value: '"record_start=*8 record_stop=*8"',
    problem: 'DTMF code *8 is defined twice',
  },
  {
    label: 'an in-call code that does not start with * or #',
    env: { CALLBACK_FEATURES_CODES: 'fax=1' },
    setting: 'features.codes',
    source: 'CALLBACK_FEATURES_CODES',
    value: '"fax=1"',
    problem: 'must start with * or #',
  },
  {
    label: 'a prompt name climbing out of the prompt directory',
    env: { CALLBACK_FEATURES_FAX_PROMPT: '../../etc/passwd' },
    setting: 'features.faxPrompt',
    source: 'CALLBACK_FEATURES_FAX_PROMPT',
    value: '"../../etc/passwd"',
    problem: 'a prompt name may not contain ..',
  },
];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-bad-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function issuesOf(env: Record<string, string>, configFile?: string): readonly SettingsIssue[] {
  try {
    loadSettings({ env, ...(configFile === undefined ? {} : { configFile }) });
  } catch (error) {
    if (error instanceof SettingsError) return error.issues;
    throw error;
  }
  throw new Error('the settings were accepted');
}

describe('a bad value is reported with setting, source, value and what is allowed', () => {
  it('has at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    let file: string | undefined;
    if (c.file !== undefined) {
      file = path.join(dir, `${c.label.replace(/\W+/g, '-')}.json`);
      fs.writeFileSync(file, JSON.stringify(c.file));
    }
    const issues = issuesOf(c.env ?? {}, file);
    const issue = issues.find((candidate) => candidate.setting === c.setting);
    expect(issues.map((candidate) => candidate.message)).toContainEqual(expect.stringContaining(c.setting));
    if (issue === undefined) throw new Error(`no issue about ${c.setting}`);
    expect(issue.source).toBe(c.source.replace('<file>', file ?? ''));
    expect(issue.value).toBe(c.value);
    expect(issue.problem).toContain(c.problem);
    expect(issue.message).toBe(`${issue.setting} (${issue.source}) = ${issue.value}: ${issue.problem}`);
  });

  it('gives the example message of the brief word for word', () => {
    const [issue] = issuesOf({ CALLBACK_CALLBACK_MAX_RETRIES: 'eleven' });
    expect(issue?.message).toBe('callback.maxRetries (CALLBACK_CALLBACK_MAX_RETRIES) = "eleven": expected an integer from 0 to 10');
  });

  it('reports every problem at once, not only the first', () => {
    const issues = issuesOf({ CALLBACK_HTTP_PORT: 'x', CALLBACK_LOG_LEVEL: 'loud', CALLBACK_HTTP_PROT: '1' });
    expect(issues.map((issue) => issue.setting).sort()).toEqual(['CALLBACK_HTTP_PROT', 'http.port', 'log.level']);
  });

  it('puts every problem in the error message', () => {
    expect(() => loadSettings({ env: { CALLBACK_HTTP_PORT: 'x', CALLBACK_LOG_LEVEL: 'loud' } })).toThrow(
      /Invalid settings \(2 problems\):\n {2}- log\.level .*\n {2}- http\.port .*/,
    );
  });
});

describe('every setting that has a variable', () => {
  const entries = settingsMap().entries.filter((entry) => entry.envVar !== undefined);

  it.each(entries.filter((entry) => entry.kind === 'number').map((entry) => [entry.envVar ?? '', entry] as const))(
    '%s refuses a word with its allowed range',
    (envVar, entry) => {
      const issue = issuesOf({ [envVar]: 'abc' }).find((candidate) => candidate.setting === entry.key);
      expect(issue?.message).toBe(`${entry.key} (${envVar}) = "abc": expected ${entry.allowed}`);
    },
  );

  it.each(entries.filter((entry) => entry.kind === 'boolean').map((entry) => [entry.envVar ?? '', entry] as const))('%s refuses "yes"', (envVar, entry) => {
    const issue = issuesOf({ [envVar]: 'yes' }).find((candidate) => candidate.setting === entry.key);
    expect(issue?.message).toBe(`${entry.key} (${envVar}) = "yes": expected true or false`);
  });

  it.each(entries.filter((entry) => entry.allowed.startsWith('one of')).map((entry) => [entry.envVar ?? '', entry] as const))(
    '%s refuses a value outside its list, listing the allowed ones',
    (envVar, entry) => {
      const issue = issuesOf({ [envVar]: 'nope' }).find((candidate) => candidate.setting === entry.key);
      expect(issue?.message).toBe(`${entry.key} (${envVar}) = "nope": expected ${entry.allowed}`);
    },
  );
});
