import path from 'node:path';
import { defaultSettings, loadSettings, type Settings } from '../../lib/config';
import { DEFAULT_CODES } from '../../lib/features/codes';
import type { DatabaseSettings as StoreDatabaseSettings } from '../../lib/store/database-settings';

describe('default settings', () => {
  const settings = loadSettings({ env: {} });

  it('give the embedded mode: SQLite file, in-process queue, bundled simulator', () => {
    expect(settings.database).toEqual({ client: 'sqlite', filename: './data/callback.sqlite', synchronous: 'normal' });
    expect(settings.queue).toEqual({ driver: 'memory' });
    expect(settings.freeswitch).toEqual({ mode: 'simulator', nodes: [], promptsDir: '/usr/local/freeswitch/sounds/prompts', promptsList: 'freeswitch-conf/prompts/prompts.tsv', cdrGraceSeconds: 5 });
    expect(settings.simulator).toEqual({ host: '127.0.0.1', eslPort: 8021, demoCallback: true });
  });

  it('listen on loopback only', () => {
    expect(settings.http).toEqual({ host: '127.0.0.1', port: 8080, ordersPerAccount: 30, orderWindowSeconds: 60, maxConnections: 2000, maxStreams: 1000, maxStreamsPerClient: 20, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
    expect(settings.socketServer).toEqual({ host: '127.0.0.1', port: 8084, advertiseHost: '127.0.0.1', maxLateSockets: 256 });
  });

  it('hold the SPEC O3 system-wide callback defaults', () => {
    expect(settings.callback).toEqual({
      activeForUsers: true,
      maxRetries: 2,
      retryIntervalSeconds: 60,
      waitTimeSeconds: 30,
      callbackServer: 'any',
      busyIvr: null,
      failedIvr: null,
      callerId: { sendDeviceCid: false, sendSourceAsCid: false, callbackCid: null, webCallbackCid: null, forwardPartyNumbers: false },
      rejectHangupCause: 'USER_BUSY',
      delaySeconds: 3,
      digitTimeoutSeconds: 5,
      extensionDomain: null,
      method: 'call_to_caller',
      ringBeforeRejectSeconds: 0,
      announceBalance: true,
      announceMaxDuration: true,
      language: 'en',
      defaultCountry: 'US',
      maxConcurrentPerAccount: 2,
      pinMaxAttempts: 3,
      pinLockoutMinutes: 30,
      perCallerMax: 5,
      perCallerWindowMinutes: 10,
      perAccountMax: 20,
      perAccountWindowMinutes: 10,
    });
  });

  it('leave the operator API closed until a key is set', () => {
    expect(settings.security.operatorApiKey).toBeUndefined();
  });

  it('are what defaultSettings() returns, apart from the env-dependent log format', () => {
    expect(defaultSettings()).toEqual(settings);
  });

  it('write pretty logs in development and test, JSON in production', () => {
    expect(settings.env).toBe('development');
    expect(settings.log).toEqual({ level: 'info', format: 'pretty' });
    expect(loadSettings({ env: { CALLBACK_ENV: 'test' } }).log.format).toBe('pretty');
    expect(loadSettings({ env: { CALLBACK_ENV: 'production' } }).log.format).toBe('json');
    expect(loadSettings({ env: { CALLBACK_ENV: 'production', CALLBACK_LOG_FORMAT: 'pretty' } }).log.format).toBe('pretty');
  });

  it('give a database section the store accepts as it is', () => {
    // Compile-time contract with lib/store: its openDatabase() takes our settings.database.
    const forStore: StoreDatabaseSettings = settings.database;
    expect(forStore.client).toBe('sqlite');
  });

  it('do not read process.env behind the caller’s back', () => {
    const saved = process.env.CALLBACK_HTTP_PORT;
    process.env.CALLBACK_HTTP_PORT = '9999';
    try {
      const fresh: Settings = loadSettings({ env: {} });
      expect(fresh.http.port).toBe(8080);
    } finally {
      if (saved === undefined) delete process.env.CALLBACK_HTTP_PORT;
      else process.env.CALLBACK_HTTP_PORT = saved;
    }
  });
});

describe('in-call code table setting', () => {
  it('reads feature=keys pairs into the code table the matcher takes', () => {
    const settings = loadSettings({ env: { CALLBACK_FEATURES_CODES: 'record_start=#8 record_stop=#9  consult=**N#' } });
    expect(settings.features.codes).toEqual([
      { feature: 'record_start', keys: '#8' },
      { feature: 'record_stop', keys: '#9' },
      { feature: 'consult', keys: '**N#' },
    ]);
  });

  it('defaults to issue 6\'s codes and resolves the media root to an absolute path', () => {
    const settings = loadSettings({ env: {} });
    expect(settings.features.codes).toEqual(DEFAULT_CODES);
    expect(path.isAbsolute(settings.media.root)).toBe(true);
  });
});
