import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DEMO } from '../../db/seeds/demo';
import { SESSION_COOKIE } from '../../lib/http/portal/session';
import { testLogger } from '../../lib/log/logger';
import { startService, type RunningService } from '../../lib/service/start-service';
import { createStore } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { connectSse, type SseConnection } from '../http/support/sse-client';
import { accountWithBalance } from '../store/fixtures';
import { embeddedServiceSettings } from '../support/service-settings';
import { captureLogger, type LogCapture } from './support/capturing-logger';

/** The service as `npm start` assembles it (settings → service → HTTP server), with the limits set small. */
async function serviceWith(env: Record<string, string>): Promise<{ service: RunningService; base: string; dir: string; logs: LogCapture; keys: string[]; portal: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'callback-connections-'));
  const logger = testLogger();
  const logs = captureLogger(logger);
  const clock = new ManualClock();
  const service = await startService(embeddedServiceSettings(dir, env), logger, clock);
  const store = createStore(service.db, () => clock.now());
  const keys: string[] = [];
  for (let i = 0; i < 2; i += 1) {
    const account = await accountWithBalance(store, 0, { country: 'US' });
    keys.push((await store.apiKeys.create({ accountId: account.id, label: `streams ${i}` })).plainKey);
  }
  const demo = await store.portalUsers.findByEmail(DEMO.portalEmail);
  if (!demo) throw new Error('the demo portal user is missing');
  const session = await store.portalUsers.createSession(demo.id, 3_600_000);
  return { service, base: `http://127.0.0.1:${service.httpPort}`, dir, logs, keys, portal: { Cookie: `${SESSION_COOKIE}=${session.id}` } };
}

async function eventually(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met within 2 s');
}

/** A plain TCP peer: what it sent is up to the test; resolves `closed` with the ms from connect to the server's close. */
function peer(port: number): { socket: net.Socket; received: () => string; closed: Promise<number>; connected: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  let openedAt = Date.now();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (data += chunk));
  socket.on('error', () => undefined);
  const connected = new Promise<void>((resolve) => socket.once('connect', () => ((openedAt = Date.now()), resolve())));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - openedAt)));
  return { socket, received: () => data, closed, connected };
}

/** Writes `chunk` every `ms` until the socket closes (a peer trickling bytes to keep the connection). */
function trickle(socket: net.Socket, chunk: string, ms: number): void {
  const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(chunk)), ms);
  socket.once('close', () => clearInterval(timer));
}

describe('bounded connections in the assembled service', () => {
  describe('live streams', () => {
    let rig: Awaited<ReturnType<typeof serviceWith>>;
    const open: SseConnection[] = [];

    beforeAll(async () => {
      rig = await serviceWith({ CALLBACK_HTTP_MAX_STREAMS_PER_CLIENT: '2', CALLBACK_HTTP_MAX_STREAMS: '3' });
    });
    afterAll(async () => {
      for (const stream of open) stream.close();
      await rig.service.stop();
      rmSync(rig.dir, { recursive: true, force: true });
    });

    async function stream(key: string): Promise<SseConnection> {
      const connection = connectSse(`${rig.base}/api/v1/events`, { Authorization: `Bearer ${key}` });
      open.push(connection);
      expect(await connection.status).toBe(200);
      return connection;
    }

    /** A stream opened as soon as a slot is free (the server sees a client leave a moment after it left). */
    async function streamOnceFree(path: string, headers: Record<string, string>): Promise<void> {
      await eventually(async () => {
        const again = connectSse(`${rig.base}${path}`, headers);
        open.push(again);
        if ((await again.status) === 200) return true;
        again.close();
        return false;
      });
    }

    const refused = (key: string) => request(rig.base).get('/api/v1/events').set('Authorization', `Bearer ${key}`);

    it('refuses the stream one key opens beyond http.maxStreamsPerClient with 429, Retry-After and a JSON error, and gives the slot back when a stream closes', async () => {
      const [a = ''] = rig.keys;
      const first = await stream(a);
      await stream(a);
      const third = await refused(a);
      expect([third.status, third.headers['retry-after'], third.body.error?.code]).toEqual([429, '10', 'rate_limited']);
      expect(third.body.error.message).toBe('too many live streams open for this API key or login: at most 2 at once; close one first');
      expect(rig.logs.lines.some((line) => line.includes('live stream refused: too many open'))).toBe(true);

      first.close();
      await streamOnceFree('/api/v1/events', { Authorization: `Bearer ${a}` });
    });

    it('refuses any stream beyond http.maxStreams, all keys together, while another key still has room of its own', async () => {
      const [, b = ''] = rig.keys;
      await stream(b);
      const beyond = await refused(b);
      expect([beyond.status, beyond.headers['retry-after'], beyond.body.error?.code, beyond.body.error?.message]).toEqual([
        429,
        '10',
        'rate_limited',
        'too many live streams open on this server; try again shortly',
      ]);
    });

    it("counts a portal login as one client, and the portal's streams in the same total as the API's", async () => {
      const [a = '', b = ''] = rig.keys;
      for (const stream of open.splice(0)) stream.close();
      await streamOnceFree('/portal/api/v1/events', rig.portal);
      await streamOnceFree('/api/v1/events', { Authorization: `Bearer ${b}` });
      await streamOnceFree('/portal/api/v1/events', rig.portal);
      const portalBeyond = await request(rig.base).get('/portal/api/v1/events').set(rig.portal);
      expect([portalBeyond.status, portalBeyond.body.error?.message]).toEqual([429, 'too many live streams open for this API key or login: at most 2 at once; close one first']);
      const apiBeyond = await refused(a);
      expect([apiBeyond.status, apiBeyond.body.error?.message]).toEqual([429, 'too many live streams open on this server; try again shortly']);
    });
  });

  describe('slow and idle peers, and the connection cap', () => {
    let rig: Awaited<ReturnType<typeof serviceWith>>;
    let port: number;

    beforeAll(async () => {
      rig = await serviceWith({
        CALLBACK_HTTP_MAX_CONNECTIONS: '4',
        CALLBACK_HTTP_HEADERS_TIMEOUT_MS: '300',
        CALLBACK_HTTP_REQUEST_TIMEOUT_MS: '600',
        CALLBACK_HTTP_KEEP_ALIVE_TIMEOUT_MS: '300',
      });
      port = rig.service.httpPort;
    });
    afterAll(async () => {
      await rig.service.stop();
      rmSync(rig.dir, { recursive: true, force: true });
    });

    it('a peer sending its headers slowly is answered 408 and cut after http.headersTimeoutMs, however it trickles', async () => {
      const slow = peer(port);
      await slow.connected;
      slow.socket.write('GET /healthz HTTP/1.1\r\nHost: callback\r\n');
      trickle(slow.socket, 'X-Slow: 1\r\n', 50);
      const after = await slow.closed;
      expect(after).toBeGreaterThanOrEqual(250);
      expect(after).toBeLessThan(1_500);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('a peer sending its body slowly is answered 408 and cut after http.requestTimeoutMs, however it trickles', async () => {
      const slow = peer(port);
      await slow.connected;
      slow.socket.write(`POST /api/v1/callbacks HTTP/1.1\r\nHost: callback\r\nAuthorization: Bearer ${rig.keys[0] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
      trickle(slow.socket, ' ', 50);
      const after = await slow.closed;
      expect(after).toBeGreaterThanOrEqual(550);
      expect(after).toBeLessThan(2_000);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    });

    it('an idle keep-alive connection is closed after http.keepAliveTimeoutMs', async () => {
      const idle = peer(port);
      await idle.connected;
      idle.socket.write('GET /healthz HTTP/1.1\r\nHost: callback\r\nConnection: keep-alive\r\n\r\n');
      const after = await idle.closed;
      expect(idle.received()).toMatch(/^HTTP\/1\.1 200 /);
      // Node announces the timeout to the client and closes a second later, so a request sent just in time is not cut.
      expect(after).toBeGreaterThanOrEqual(250);
      expect(after).toBeLessThan(2_500);
    });

    it('closes connections beyond http.maxConnections as they arrive, with a log line, and takes new ones once one is freed', async () => {
      const [key = ''] = rig.keys;
      const streams = [];
      for (let i = 0; i < 4; i += 1) {
        const stream = connectSse(`${rig.base}/api/v1/events`, { Authorization: `Bearer ${key}` });
        streams.push(stream);
        expect(await stream.status).toBe(200);
      }
      try {
        const extra = peer(port);
        const after = await extra.closed;
        expect([after < 500, extra.received()]).toEqual([true, '']);
        expect(rig.logs.lines.filter((line) => line.includes('HTTP connection refused: http.maxConnections reached'))).toHaveLength(1);

        streams[0]?.close();
        await eventually(async () => (await request(rig.base).get('/healthz').catch(() => null))?.status === 200);
      } finally {
        for (const stream of streams) stream.close();
      }
    });
  });
});
