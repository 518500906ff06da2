import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings, redactSettings, SettingsError } from '../../lib/config';
import { maskText } from '../../lib/config/mask';

/** Secrets a failed start must never print. Each case still fails for another reason. */
const SECRET = 'Sup3r-s3cret';

function failure(env: Record<string, string>, configFile?: string): SettingsError {
  try {
    loadSettings({ env, ...(configFile === undefined ? {} : { configFile }) });
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('the settings were accepted');
}

describe('passwords in settings errors', () => {
  it.each([
    ['a MySQL URL without a database', { DATABASE_URL: `mysql://cb:${SECRET}@db:3306/` }, 'mysql://cb:********@db:3306/'],
    ['a database URL of another kind', { DATABASE_URL: `postgres://cb:${SECRET}@db/x` }, 'postgres://cb:********@db/x'],
    ['a Redis URL of the wrong scheme', { CALLBACK_QUEUE_URL: `http://:${SECRET}@127.0.0.1:6379` }, 'http://:********@127.0.0.1:6379'],
    ['a password with an unencoded @', { CALLBACK_DATABASE_URL: `mysql://cb:${SECRET}@x@db` }, 'mysql://cb:********@db'],
    ['an operator key that is too short', { CALLBACK_SECURITY_OPERATOR_API_KEY: SECRET }, '"********"'],
    [
      'a node list with another mistake',
      { CALLBACK_FREESWITCH_NODES: JSON.stringify([{ name: 'fs1', host: 'h', password: SECRET, gateways: [] }]) },
      'freeswitch.nodes[0].gateways',
    ],
    ['a node list that is not JSON', { CALLBACK_FREESWITCH_NODES: `[{name: "fs1", password: "${SECRET}"}]` }, 'password: \\"********\\"'],
    ['a node password of the wrong type', { CALLBACK_FREESWITCH_NODES: JSON.stringify([{ name: 'fs1', host: 'h', password: 12345678 }]) }, '"********"'],
    ['an unknown variable that looks secret', { CALLBACK_FREESWITCH_PASSWORD: SECRET }, 'CALLBACK_FREESWITCH_PASSWORD (environment) = "********"'],
  ])('are masked in %s', (_label, env: Record<string, string>, shown) => {
    const error = failure(env);
    expect(error.message).toContain(shown);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('12345678');
    expect(JSON.stringify(error.issues)).not.toContain(SECRET);
  });

  it('are masked in config-file values, misspelt keys included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-mask-'));
    try {
      const file = path.join(dir, 'settings.json');
      fs.writeFileSync(file, JSON.stringify({ freeswitch: { nodes: [{ name: 'fs1', host: 'h', pasword: SECRET }] } }));
      const error = failure({}, file);
      expect(error.message).toContain('freeswitch.nodes[0].pasword');
      expect(error.message).toContain('did you mean freeswitch.nodes[0].password?');
      expect(error.message).not.toContain(SECRET);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('redactSettings', () => {
  it('hides passwords, keys and URL credentials, and keeps the rest for the start-up log', () => {
    const settings = loadSettings({
      env: {
        DATABASE_URL: `mysql://cb:${SECRET}@db/callback`,
        REDIS_URL: `redis://:${SECRET}@redis:6379`,
        CALLBACK_SECURITY_OPERATOR_API_KEY: `${SECRET}-${SECRET}-${SECRET}`,
        CALLBACK_FREESWITCH_NODES: JSON.stringify([{ name: 'fs1', host: '10.0.0.5', password: SECRET }]),
      },
    });
    const redacted = redactSettings(settings);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain(SECRET);
    expect(redacted.database).toEqual({ client: 'mysql', url: 'mysql://cb:********@db/callback', pool: { min: 0, max: 30 } });
    expect(redacted.security).toEqual({ operatorApiKey: '********', rotationGraceSeconds: 0 });
    expect(text).toContain('"host":"10.0.0.5"');
    // The settings themselves are untouched.
    expect(settings.freeswitch.nodes[0]?.password).toBe(SECRET);
  });

  it('shows the DTMF feature codes as written, while a secret set beside them stays masked', () => {
    const codes = 'consult=##N# new_number=** redial_now=*0 record_start=*8 record_stop=*9';
    const settings = loadSettings({
      env: { CALLBACK_FEATURES_CODES: codes, CALLBACK_SECURITY_OPERATOR_API_KEY: `${SECRET}-${SECRET}-${SECRET}`, CALLBACK_SMS_GENERIC_SECRET: `${SECRET}-generic` },
    });
    const redacted = redactSettings(settings) as { features: { codes: unknown } };
    expect(redacted.features.codes).toBe(codes);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('"operatorApiKey":"********"');
    expect(text).toContain('"genericSecret":"********"');
  });
});

describe('maskText', () => {
  it.each([
    ['redis://user:pw@h:1/0', 'redis://user:********@h:1/0'],
    ['{"password":"a\\"b","x":1}', '{"password":"********","x":1}'],
    ["'api_key'=abc", '\'api_key\'="********"'],
    ['token: abc def', 'token: "********" def'],
    ['http://host:80/path', 'http://host:80/path'],
    ['nothing secret here', 'nothing secret here'],
  ])('%s → %s', (text, masked) => {
    expect(maskText(text)).toBe(masked);
  });
});
