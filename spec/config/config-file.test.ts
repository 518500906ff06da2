import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings, SettingsError } from '../../lib/config';

describe('config file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-config-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function writeConfig(name: string, content: unknown): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  }

  function loadError(options: Parameters<typeof loadSettings>[0]): SettingsError {
    try {
      loadSettings(options);
    } catch (error) {
      if (error instanceof SettingsError) return error;
      throw error;
    }
    throw new Error('expected a SettingsError');
  }

  const production = {
    env: 'production',
    http: { port: 8000, publicUrl: 'https://callback.example.com' },
    database: { client: 'mysql', url: 'mysql://cb:pw@db:3306/callback', pool: { max: 20 } },
    queue: { driver: 'redis', url: 'redis://redis:6379/0' },
    freeswitch: { mode: 'external', nodes: [{ name: 'fs1', host: '10.0.0.5' }] },
    socketServer: { host: '0.0.0.0', advertiseHost: '10.0.0.2' },
    callback: { maxRetries: 4, rejectHangupCause: 21, callerId: { callbackCid: '+14155550100' } },
  };

  it('is merged over the defaults, key by key', () => {
    const settings = loadSettings({ env: {}, configFile: writeConfig('production.json', production) });
    expect(settings.env).toBe('production');
    expect(settings.log.format).toBe('json');
    expect(settings.http).toEqual({ host: '127.0.0.1', port: 8000, publicUrl: 'https://callback.example.com', ordersPerAccount: 30, orderWindowSeconds: 60, maxConnections: 2000, maxStreams: 1000, maxStreamsPerClient: 20, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
    expect(settings.database).toEqual({ client: 'mysql', url: 'mysql://cb:pw@db:3306/callback', pool: { min: 0, max: 20 } });
    expect(settings.queue).toEqual({ driver: 'redis', url: 'redis://redis:6379/0', prefix: 'callback' });
    expect(settings.freeswitch.nodes[0]).toMatchObject({ name: 'fs1', port: 8021, password: 'ClueCon' });
    expect(settings.socketServer).toEqual({ host: '0.0.0.0', port: 8084, advertiseHost: '10.0.0.2', maxLateSockets: 256 });
    expect(settings.callback).toMatchObject({ maxRetries: 4, waitTimeSeconds: 30, rejectHangupCause: 'CALL_REJECTED' });
    expect(settings.callback.callerId).toMatchObject({ callbackCid: '+14155550100', sendDeviceCid: false });
  });

  it('is found through CALLBACK_CONFIG', () => {
    const file = writeConfig('via-env.json', { callback: { delaySeconds: 10 } });
    expect(loadSettings({ env: { CALLBACK_CONFIG: file } }).callback.delaySeconds).toBe(10);
  });

  it('named by the option wins over CALLBACK_CONFIG', () => {
    const fromEnv = writeConfig('env-named.json', { callback: { delaySeconds: 10 } });
    const fromOption = writeConfig('option-named.json', { callback: { delaySeconds: 20 } });
    expect(loadSettings({ env: { CALLBACK_CONFIG: fromEnv }, configFile: fromOption }).callback.delaySeconds).toBe(20);
  });

  it('loses to environment variables, shorthands included', () => {
    const file = writeConfig('overridden.json', production);
    const settings = loadSettings({
      env: { CALLBACK_CALLBACK_MAX_RETRIES: '1', PORT: '9000', DATABASE_URL: 'sqlite::memory:', CALLBACK_QUEUE_DRIVER: 'memory' },
      configFile: file,
    });
    expect(settings.callback.maxRetries).toBe(1);
    expect(settings.callback.rejectHangupCause).toBe('CALL_REJECTED');
    expect(settings.http.port).toBe(9000);
    // Another variant replaces the file's section instead of mixing with it.
    expect(settings.database).toEqual({ client: 'sqlite', filename: ':memory:', synchronous: 'normal' });
    expect(settings.queue).toEqual({ driver: 'memory' });
  });

  it('keeps the file’s variant when the environment only tunes it', () => {
    const file = writeConfig('tuned.json', production);
    expect(loadSettings({ env: { CALLBACK_DATABASE_POOL_MIN: '2' }, configFile: file }).database).toEqual({
      client: 'mysql',
      url: 'mysql://cb:pw@db:3306/callback',
      pool: { min: 2, max: 20 },
    });
  });

  it('may carry a $schema key for editors', () => {
    expect(() => loadSettings({ env: {}, configFile: writeConfig('schema.json', { $schema: './settings.schema.json' }) })).not.toThrow();
  });

  it.each([
    ['missing', (): string => path.join(dir, 'missing.json'), 'cannot be read (no such file)'],
    ['a directory', (): string => dir, 'cannot be read (it is a directory)'],
    ['invalid JSON', (): string => writeConfig('broken.json', '{\n  "http": { "port": 80, }\n}'), 'not valid JSON'],
    ['not an object', (): string => writeConfig('array.json', '[1, 2]'), 'expected a JSON object at the top level, got an array'],
  ])('that is %s is an error naming the file', (_label, file, problem) => {
    const name = file();
    const error = loadError({ env: {}, configFile: name });
    expect(error.issues).toHaveLength(1);
    expect(error.message).toContain(`config file (configFile option) = ${JSON.stringify(path.resolve(name))}: ${problem}`);
  });

  it('with invalid JSON says where', () => {
    const name = writeConfig('where.json', '{\n  "http": { "port": 80, }\n}');
    expect(loadError({ env: { CALLBACK_CONFIG: name } }).message).toMatch(/config file \(CALLBACK_CONFIG\) = ".*where\.json": not valid JSON: .*\(line 2, column \d+\)/);
  });
});
