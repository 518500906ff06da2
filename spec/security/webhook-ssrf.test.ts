import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { testLogger } from '../../lib/log/logger';
import { ManualClock } from '../../lib/time/clock';
import { StatusWebhooks } from '../../lib/http/webhooks/status-webhooks';
import { webhookTargetPolicy, type OwnEndpoint } from '../../lib/http/webhooks/target-policy';
import { WebhookTargets } from '../../lib/http/webhooks/webhook-targets';
import { apiFixture, type ApiFixture } from '../http/support/api-fixture';
import { describeEachDatabase } from '../support/databases';
import { fakeDns, PUBLIC_ADDRESS } from '../support/fake-dns';
import { rowCounts } from './support/api-rig';
import { captureLogger, type LogCapture } from './support/capturing-logger';

const PASSWORD = 's3cret-Pa55-in-the-url';

/** A receiver on loopback that records every connection and request, answering `status`. */
interface Receiver {
  readonly port: number;
  readonly connections: number;
  readonly requests: Array<{ authorization: string | undefined; body: string }>;
  close(): Promise<void>;
}

async function receiver(status = 204): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ authorization: req.headers.authorization, body });
      res.statusCode = status;
      res.end();
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describeEachDatabase('status webhooks cannot be pointed at the operator’s own networks (SSRF)', (getDb) => {
  let fixture: ApiFixture;
  let key: string;
  let logs: LogCapture;
  let dns: ReturnType<typeof fakeDns>;
  let ownApi: OwnEndpoint[];
  let webhooks: StatusWebhooks;

  /** The API and the webhooks with one policy, as the service wires them; `allowPrivate` is http.webhookAllowPrivateTargets. */
  async function setUp(allowPrivate: readonly string[] = []): Promise<void> {
    const logger = testLogger();
    logs = captureLogger(logger);
    dns = fakeDns({
      'rebind.attacker.test': [[PUBLIC_ADDRESS], ['127.0.0.1']],
      'localhost.attacker.test': [['127.0.0.1']],
      'metadata.attacker.test': [['169.254.169.254', 'fd00::1']],
      'public.example.test': [[PUBLIC_ADDRESS]],
      'hooks.internal.test': [['127.0.0.1']],
    });
    ownApi = [];
    const targets = new WebhookTargets({ policy: webhookTargetPolicy({ allowPrivate, ownEndpoints: () => ownApi }), clock: new ManualClock(), resolve: dns });
    fixture = await apiFixture(getDb(), { logger, webhookTargets: targets, orderLimit: { limit: 1_000_000, windowMs: 60_000 } });
    key = (await fixture.account()).key;
    webhooks = new StatusWebhooks({ store: fixture.store, clock: fixture.clock, logger, targets, secret: 'ssrf-test-secret', maxAttempts: 2, baseDelayMs: 1_000 });
    webhooks.attach(fixture.engine);
  }

  afterEach(() => webhooks.close());

  const order = (statusWebhookUrl: string, extra: Record<string, unknown> = {}) =>
    request(fixture.app).post('/api/v1/callbacks').set('Authorization', `Bearer ${key}`).send({ source: '+12025550101', destination: '+12025550102', statusWebhookUrl, ...extra });
  const cancel = (id: string) => request(fixture.app).delete(`/api/v1/callbacks/${id}`).set('Authorization', `Bearer ${key}`);

  it('refuses, when ordered, webhook URLs to loopback, link-local metadata, private, CGNAT, local IPv6, IPv4-mapped and NAT64 forms, and names resolving only there: 400 naming why, nothing stored', async () => {
    await setUp();
    const refused = [
      'http://127.0.0.1:8080/api/v1/payments',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://10.1.2.3/hook',
      'http://172.16.5.4/hook',
      'http://192.168.1.1/hook',
      'http://100.64.0.1/hook',
      'http://0.0.0.0:8080/',
      'http://224.0.0.1/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::1]/',
      'http://[fd12:3456::1]/',
      'http://[fe80::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://localhost.attacker.test:9000/hook',
      'http://metadata.attacker.test/',
      `https://hook-user:${PASSWORD}@10.0.0.5/hook`,
    ];
    const before = await rowCounts(getDb());
    for (const url of refused) {
      const answer = await order(url);
      expect({ url, status: answer.status, code: answer.body.error?.code, field: answer.body.error?.field }).toEqual({ url, status: 400, code: 'validation_failed', field: 'statusWebhookUrl' });
      expect(answer.body.error.message).toMatch(/^webhooks may not reach .+ is |resolves only to addresses webhooks may not reach: /);
      expect(JSON.stringify(answer.body)).not.toContain(PASSWORD);
    }
    expect((await order('http://169.254.169.254/')).body.error.message).toBe('webhooks may not reach 169.254.169.254 is link-local, where cloud metadata lives (169.254.0.0/16)');
    expect((await order('http://localhost.attacker.test/')).body.error.message).toBe(
      'localhost.attacker.test resolves only to addresses webhooks may not reach: 127.0.0.1 is loopback (127.0.0.0/8)',
    );
    const scheme = await order('file:///etc/passwd');
    expect([scheme.status, scheme.body.error?.field]).toEqual([400, 'statusWebhookUrl']);
    expect(await rowCounts(getDb())).toEqual(before);
    // Each refusal is logged, without the URL's credentials.
    expect(logs.lines.filter((line) => line.includes('status webhook URL refused')).length).toBeGreaterThanOrEqual(refused.length);
    expect(logs.leaks([PASSWORD])).toEqual([]);

    expect((await order('https://public.example.test/hook')).status).toBe(201);
  });

  it('a name that resolved to a public address when ordered and to 127.0.0.1 when connecting (DNS rebinding) is never connected to, and not retried', async () => {
    await setUp();
    const target = await receiver();
    try {
      const placed = await order(`http://rebind.attacker.test:${target.port}/hook`);
      expect(placed.status).toBe(201);
      expect(dns.asked).toEqual(['rebind.attacker.test']);
      await cancel(placed.body.id).expect(200);
      await webhooks.idle();
      // The delivery asked DNS again, at connect time, and got the loopback answer: refused before any connection.
      expect(dns.asked).toEqual(['rebind.attacker.test', 'rebind.attacker.test']);
      expect(target.connections).toBe(0);
      const refusals = logs.lines.filter((line) => line.includes('status webhook refused'));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toContain('rebind.attacker.test resolves only to addresses webhooks may not reach: 127.0.0.1 is loopback');
      expect(logs.lines.some((line) => line.includes('will be retried'))).toBe(false);
    } finally {
      await target.close();
    }
  });

  it('an allow-listed private receiver gets only state changes, never the order of a call due next year; credentials in its URL go as basic auth and are masked in answers and every log line; our own API stays refused', async () => {
    await setUp(['127.0.0.0/8']);
    const target = await receiver(503);
    const ownApiServer = await receiver();
    ownApi.push({ address: '127.0.0.1', port: ownApiServer.port });
    try {
      const nextYear = new Date(fixture.clock.now() + 365 * 86_400_000).toISOString();
      const placed = await order(`http://hook-user:${PASSWORD}@hooks.internal.test:${target.port}/hook`, { at: nextYear });
      expect(placed.status).toBe(201);
      expect(placed.body.statusWebhookUrl).toBe(`http://***:***@hooks.internal.test:${target.port}/hook`);
      const read = await request(fixture.app).get(`/api/v1/callbacks/${placed.body.id}`).set('Authorization', `Bearer ${key}`).expect(200);
      expect(read.body.statusWebhookUrl).toBe(`http://***:***@hooks.internal.test:${target.port}/hook`);
      expect((await fixture.store.callbackRequests.findById(placed.body.id))?.statusWebhookUrl).toBe(`http://hook-user:${PASSWORD}@hooks.internal.test:${target.port}/hook`);

      await webhooks.idle();
      expect(target.requests).toHaveLength(0);

      await cancel(placed.body.id).expect(200);
      await until(() => logs.lines.some((line) => line.includes('status webhook will be retried')));
      await fixture.clock.advance(1_000);
      await webhooks.idle();
      expect(target.requests).toHaveLength(2);
      expect(target.requests[0]?.authorization).toBe(`Basic ${Buffer.from(`hook-user:${PASSWORD}`).toString('base64')}`);
      expect(JSON.parse(target.requests[0]?.body ?? '{}')).toMatchObject({ type: 'request', requestId: placed.body.id, state: 'cancelled' });
      const givenUp = logs.lines.find((line) => line.includes('status webhook given up'));
      expect(givenUp).toContain(`http://***:***@hooks.internal.test:${target.port}/hook`);
      expect(logs.leaks([PASSWORD])).toEqual([]);

      const own = await order(`http://127.0.0.1:${ownApiServer.port}/api/v1/payments`);
      expect([own.status, own.body.error?.message]).toEqual([400, `webhooks may not reach 127.0.0.1 port ${ownApiServer.port} is this service's own API`]);
      expect(ownApiServer.connections).toBe(0);
    } finally {
      await target.close();
      await ownApiServer.close();
    }
  });
});
