import fc from 'fast-check';
import { loadSettings } from '../../lib/config';

describe('environment variables', () => {
  it('override defaults, coercing numbers and booleans', () => {
    const settings = loadSettings({
      env: {
        CALLBACK_HTTP_PORT: '9090',
        CALLBACK_HTTP_HOST: '0.0.0.0',
        CALLBACK_LOG_LEVEL: 'debug',
        CALLBACK_CALLBACK_MAX_RETRIES: '5',
        CALLBACK_CALLBACK_ACTIVE_FOR_USERS: 'false',
        CALLBACK_CALLBACK_CALLER_ID_SEND_DEVICE_CID: '1',
        CALLBACK_CALLBACK_CALLER_ID_CALLBACK_CID: '+442079460000',
        CALLBACK_CALLBACK_METHOD: 'call_to_number',
        CALLBACK_CALLBACK_DEFAULT_COUNTRY: 'DE',
        CALLBACK_SOCKET_SERVER_ADVERTISE_HOST: '10.0.0.2',
      },
    });
    expect(settings.http).toEqual({ host: '0.0.0.0', port: 9090, ordersPerAccount: 30, orderWindowSeconds: 60, maxConnections: 2000, maxStreams: 1000, maxStreamsPerClient: 20, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
    expect(settings.log.level).toBe('debug');
    expect(settings.callback.maxRetries).toBe(5);
    expect(settings.callback.activeForUsers).toBe(false);
    expect(settings.callback.callerId.sendDeviceCid).toBe(true);
    expect(settings.callback.callerId.callbackCid).toBe('+442079460000');
    expect(settings.callback.method).toBe('call_to_number');
    expect(settings.callback.defaultCountry).toBe('DE');
    expect(settings.socketServer.advertiseHost).toBe('10.0.0.2');
  });

  it('read the webhook allow-list as a comma-separated list of addresses and ranges', () => {
    const settings = loadSettings({ env: { CALLBACK_HTTP_WEBHOOK_ALLOW_PRIVATE_TARGETS: '10.0.0.0/8, 192.168.1.20,fd00::/8' } });
    expect(settings.http.webhookAllowPrivateTargets).toEqual(['10.0.0.0/8', '192.168.1.20', 'fd00::/8']);
    expect(loadSettings({ env: {} }).http.webhookAllowPrivateTargets).toBeUndefined();
  });

  it('accept port 0, meaning any free port', () => {
    expect(loadSettings({ env: { CALLBACK_HTTP_PORT: '0', CALLBACK_SOCKET_SERVER_PORT: '0' } }).http.port).toBe(0);
  });

  it('advertise the listen address to FreeSWITCH unless told otherwise', () => {
    expect(loadSettings({ env: { CALLBACK_SOCKET_SERVER_HOST: '10.1.1.1' } }).socketServer.advertiseHost).toBe('10.1.1.1');
  });

  it('take the reject cause as a name or a Q.850 code, and keep the name', () => {
    expect(loadSettings({ env: { CALLBACK_CALLBACK_REJECT_HANGUP_CAUSE: '21' } }).callback.rejectHangupCause).toBe('CALL_REJECTED');
    expect(loadSettings({ env: { CALLBACK_CALLBACK_REJECT_HANGUP_CAUSE: 'call_rejected' } }).callback.rejectHangupCause).toBe('CALL_REJECTED');
    expect(loadSettings({ env: { CALLBACK_CALLBACK_REJECT_HANGUP_CAUSE: 'NO_ANSWER' } }).callback.rejectHangupCause).toBe('NO_ANSWER');
  });

  it('read an empty variable as unset, or as null where null is allowed', () => {
    const settings = loadSettings({ env: { CALLBACK_HTTP_PORT: '', CALLBACK_CALLBACK_BUSY_IVR: '', CALLBACK_CALLBACK_FAILED_IVR: 'ivr/failed' } });
    expect(settings.http.port).toBe(8080);
    expect(settings.callback.busyIvr).toBeNull();
    expect(settings.callback.failedIvr).toBe('ivr/failed');
  });

  it('read the FreeSWITCH nodes as JSON, filling node defaults; gateways (deprecated) only where given', () => {
    const settings = loadSettings({
      env: {
        CALLBACK_FREESWITCH_MODE: 'external',
        CALLBACK_FREESWITCH_NODES: JSON.stringify([
          { name: 'fs1', host: '10.0.0.5' },
          { name: 'fs2', host: '10.0.0.6', port: 8022, password: 'other', gateways: ['carrier1', 'carrier2'], maxCps: 20, maxChannels: 100 },
        ]),
        CALLBACK_CALLBACK_CALLBACK_SERVER: 'fs2',
      },
    });
    expect(settings.freeswitch.nodes).toEqual([
      { name: 'fs1', host: '10.0.0.5', port: 8021, password: 'ClueCon', maxCps: 10, maxChannels: 500 },
      { name: 'fs2', host: '10.0.0.6', port: 8022, password: 'other', gateways: ['carrier1', 'carrier2'], maxCps: 20, maxChannels: 100 },
    ]);
    expect(settings.callback.callbackServer).toBe('fs2');
  });

  it('select MySQL by its client and URL, with a default pool', () => {
    const settings = loadSettings({ env: { CALLBACK_DATABASE_CLIENT: 'mysql', CALLBACK_DATABASE_URL: 'mysql://cb:pw@db:3306/callback' } });
    expect(settings.database).toEqual({ client: 'mysql', url: 'mysql://cb:pw@db:3306/callback', pool: { min: 0, max: 30 } });
  });

  it('select the variant a field belongs to when the client or driver is not given', () => {
    expect(loadSettings({ env: { CALLBACK_DATABASE_URL: 'mysql://cb:pw@db/callback', CALLBACK_DATABASE_POOL_MAX: '4' } }).database).toEqual({
      client: 'mysql',
      url: 'mysql://cb:pw@db/callback',
      pool: { min: 0, max: 4 },
    });
    expect(loadSettings({ env: { CALLBACK_DATABASE_FILENAME: ':memory:' } }).database).toEqual({ client: 'sqlite', filename: ':memory:', synchronous: 'normal' });
    expect(loadSettings({ env: { CALLBACK_QUEUE_URL: 'redis://127.0.0.1:6379/1' } }).queue).toEqual({
      driver: 'redis',
      url: 'redis://127.0.0.1:6379/1',
      prefix: 'callback',
    });
  });

  it('read mariadb:// as mysql://', () => {
    const settings = loadSettings({ env: { CALLBACK_DATABASE_URL: 'mariadb://cb:pw@db/callback' } });
    expect(settings.database).toMatchObject({ client: 'mysql', url: 'mysql://cb:pw@db/callback' });
  });

  it('ignore variables without the prefix, and CALLBACK_CONFIG itself when empty', () => {
    expect(() => loadSettings({ env: { HOME: '/root', NODE_ENV: 'test', CALLBACK_CONFIG: '' } })).not.toThrow();
  });

  it('load every integer in range and refuse every integer outside it', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), (retries) => {
        const load = (): number => loadSettings({ env: { CALLBACK_CALLBACK_MAX_RETRIES: String(retries) } }).callback.maxRetries;
        if (retries >= 0 && retries <= 10) expect(load()).toBe(retries);
        else expect(load).toThrow('expected an integer from 0 to 10');
      }),
      { numRuns: 200 },
    );
  });
});

describe('conventional shorthands', () => {
  it('DATABASE_URL=mysql://… selects MySQL', () => {
    expect(loadSettings({ env: { DATABASE_URL: 'mysql://cb:pw@db:3306/callback' } }).database).toEqual({
      client: 'mysql',
      url: 'mysql://cb:pw@db:3306/callback',
      pool: { min: 0, max: 30 },
    });
  });

  it.each([
    ['sqlite:./var/cb.db', './var/cb.db'],
    ['sqlite:///var/lib/cb.db', '/var/lib/cb.db'],
    ['sqlite::memory:', ':memory:'],
    ['./var/plain.sqlite', './var/plain.sqlite'],
    ['/srv/cb.sqlite', '/srv/cb.sqlite'],
  ])('DATABASE_URL=%s selects SQLite file %s', (url, filename) => {
    expect(loadSettings({ env: { DATABASE_URL: url } }).database).toEqual({ client: 'sqlite', filename, synchronous: 'normal' });
  });

  it('REDIS_URL selects the Redis queue', () => {
    expect(loadSettings({ env: { REDIS_URL: 'redis://:pw@127.0.0.1:6379/0' } }).queue).toEqual({
      driver: 'redis',
      url: 'redis://:pw@127.0.0.1:6379/0',
      prefix: 'callback',
    });
  });

  it('PORT sets the HTTP port', () => {
    expect(loadSettings({ env: { PORT: '3000' } }).http.port).toBe(3000);
  });

  it('rank below the CALLBACK_* variables', () => {
    const settings = loadSettings({
      env: {
        PORT: '3000',
        CALLBACK_HTTP_PORT: '4000',
        DATABASE_URL: 'mysql://cb:pw@db/callback',
        CALLBACK_DATABASE_CLIENT: 'sqlite',
        REDIS_URL: 'redis://127.0.0.1:6379',
        CALLBACK_QUEUE_PREFIX: 'staging',
      },
    });
    expect(settings.http.port).toBe(4000);
    expect(settings.database).toEqual({ client: 'sqlite', filename: './data/callback.sqlite', synchronous: 'normal' });
    expect(settings.queue).toEqual({ driver: 'redis', url: 'redis://127.0.0.1:6379', prefix: 'staging' });
  });
});
