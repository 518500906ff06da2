import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DEMO } from '../../db/seeds/demo';
import { SIGNATURE_HEADER, verifySignature } from '../../lib/http/webhooks/signature';
import { testLogger } from '../../lib/log/logger';
import { startService, type RunningService } from '../../lib/service/start-service';
import { createStore } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { fakeDns } from '../support/fake-dns';
import { embeddedServiceSettings } from '../support/service-settings';

const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';

/** The SSRF guard as `npm start` wires it: settings → service → API and webhooks, with a resolver the test controls. */
describe('status webhooks in the assembled service', () => {
  let dir: string;
  let clock: ManualClock;
  let service: RunningService;
  let base: string;
  let key: string;
  let receiver: http.Server;
  let receiverPort: number;
  const received: Array<{ body: string; signature: string }> = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers[SIGNATURE_HEADER.toLowerCase()]) });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverPort = (receiver.address() as AddressInfo).port;

    dir = mkdtempSync(join(tmpdir(), 'callback-ssrf-'));
    clock = new ManualClock();
    const settings = embeddedServiceSettings(dir, { CALLBACK_HTTP_WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8' });
    const resolveHost = fakeDns({ 'hooks.internal.test': [['127.0.0.1']], 'metadata.attacker.test': [['169.254.169.254']] });
    service = await startService(settings, testLogger(), clock, { resolveHost });
    base = `http://127.0.0.1:${service.httpPort}`;
    const store = createStore(service.db, () => clock.now());
    const account = await store.accounts.findByName(DEMO.accountName);
    key = (await store.apiKeys.create({ accountId: account!.id, label: 'webhooks' })).plainKey;
  });
  afterAll(async () => {
    await service.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const order = (statusWebhookUrl: string) =>
    request(base)
      .post('/api/v1/callbacks')
      .set('Authorization', `Bearer ${key}`)
      .send({ source: DEMO.callerId, destination: '+12125550199', at: new Date(clock.now() + 365 * 86_400_000).toISOString(), statusWebhookUrl });

  it("refuses its own API (found on the port it listens on) even with loopback allowed, and a name resolving to cloud metadata; posts an allowed receiver's changes, signed, and nothing at order time", async () => {
    const own = await order(`http://127.0.0.1:${service.httpPort}/api/v1/payments`);
    expect([own.status, own.body.error?.field, own.body.error?.message]).toEqual([400, 'statusWebhookUrl', `webhooks may not reach 127.0.0.1 port ${service.httpPort} is this service's own API`]);
    const metadata = await order('http://metadata.attacker.test/latest/meta-data/');
    expect([metadata.status, metadata.body.error?.message]).toEqual([
      400,
      'metadata.attacker.test resolves only to addresses webhooks may not reach: 169.254.169.254 is link-local, where cloud metadata lives (169.254.0.0/16)',
    ]);

    const placed = await order(`http://hooks.internal.test:${receiverPort}/hook`);
    expect(placed.status).toBe(201);

    await request(base).delete(`/api/v1/callbacks/${placed.body.id}`).set('Authorization', `Bearer ${key}`).expect(200);
    for (let i = 0; i < 200 && received.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    // One request's posts go out in order: a post at order time would have arrived before this one.
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]?.body ?? '{}')).toMatchObject({ type: 'request', requestId: placed.body.id, state: 'cancelled' });
    expect(verifySignature(WEBHOOK_SECRET, received[0]?.signature ?? '', received[0]?.body ?? '', clock.now())).toBe(true);
  });
});
