import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineEvents } from '../../lib/callback/engine/events';
import type { E164 } from '../../lib/domain/phone-number';
import { StatusWebhooks } from '../../lib/http/webhooks/status-webhooks';
import { SIGNATURE_HEADER, verifySignature } from '../../lib/http/webhooks/signature';
import { webhookTargetPolicy } from '../../lib/http/webhooks/target-policy';
import { WebhookTargets } from '../../lib/http/webhooks/webhook-targets';
import { testLogger } from '../../lib/log/logger';
import { createStore } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from '../store/fixtures';

const SECRET = 'webhook-secret';

interface Received {
  body: string;
  signature: string;
  attempt: string;
}

describeEachDatabase('status webhooks', (getDb) => {
  it('posts signed request and leg changes, retries failures with backoff, and never holds up the engine', async () => {
    const clock = new ManualClock();
    const store = createStore(getDb(), () => clock.now());
    const received: Received[] = [];
    let failuresLeft = 2;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers[SIGNATURE_HEADER.toLowerCase()]), attempt: String(req.headers['x-callback-attempt']) });
        res.statusCode = failuresLeft-- > 0 ? 503 : 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    const account = await accountWithBalance(store, 0);
    const { request } = await store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: '+12025550101' as E164, statusWebhookUrl: url });
    const silent = await store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: '+12025550101' as E164 });
    const events = new EngineEvents(testLogger());
    // The receiver runs on loopback, which webhooks may reach only when the operator allows it.
    const targets = new WebhookTargets({ policy: webhookTargetPolicy({ allowPrivate: ['127.0.0.1/32'] }), clock });
    const webhooks = new StatusWebhooks({ store, clock, logger: testLogger(), targets, secret: SECRET, baseDelayMs: 1_000 });
    webhooks.attach(events);

    const started = Date.now();
    events.emit('request', { requestId: request.id, accountId: account.id, from: 'queued', to: 'dialing_a', event: 'due', cause: null, at: clock.now() });
    events.emit('leg', { requestId: request.id, legUuid: '8d6c0a39-5d1a-4a0e-9a36-1f6f1c9f3b10', role: 'A', attempt: 1, status: 'ringing', state: 'ringing', cause: null, at: clock.now() });
    events.emit('request', { requestId: silent.request.id, accountId: account.id, from: 'queued', to: 'dialing_a', event: 'due', cause: null, at: clock.now() });
    // Emitting only queued the deliveries.
    expect(Date.now() - started).toBeLessThan(50);
    expect(received).toHaveLength(0);

    // First try fails, retry after 1 s fails, retry after 2 s more succeeds; then the leg change.
    const waitFor = async (n: number): Promise<void> => {
      for (let i = 0; i < 200 && received.length < n; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(received).toHaveLength(n);
    };
    await waitFor(1);
    await clock.advance(999);
    expect(received).toHaveLength(1);
    await clock.advance(1);
    await waitFor(2);
    await clock.advance(2_000);
    await waitFor(4);
    await webhooks.idle();

    expect(received.map((r) => r.attempt)).toEqual(['1', '2', '3', '1']);
    const bodies = received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies[0]).toMatchObject({ type: 'request', requestId: request.id, state: 'dialing_a' });
    expect(bodies[2]!.id).toBe(bodies[0]!.id);
    expect(bodies[3]).toMatchObject({ type: 'leg', requestId: request.id, leg: 'A', status: 'ringing' });
    for (const r of received) expect(verifySignature(SECRET, r.signature, r.body, clock.now())).toBe(true);
    expect(verifySignature('other-secret', received[0]!.signature, received[0]!.body, clock.now())).toBe(false);
    expect(verifySignature(SECRET, received[0]!.signature, `${received[0]!.body} `, clock.now())).toBe(false);
    expect(received.some((r) => r.body.includes(silent.request.id))).toBe(false);

    webhooks.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
