import express from 'express';
import request from 'supertest';
import { InboundClient } from '../../lib/esl/inbound-client';
import { healthRouter, type ReadinessCheck } from '../../lib/http/health';
import { testLogger } from '../../lib/log/logger';
import { databaseReadiness, eslReadiness, metricsRouter, redisReadiness, ServiceMetrics, trackEslClient, type RedisReadiness } from '../../lib/metrics';
import { FreeswitchSimulator } from '../../lib/simulator';
import { openDatabase } from '../../lib/store';
import { RedisServer } from './redis-server';
import { describeWith, redisServerBinary } from '../support/external-services';

async function eventually(check: () => Promise<boolean> | boolean, what: string, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function app(checks: readonly ReadinessCheck[], metrics?: ServiceMetrics): express.Express {
  const result = express().use(healthRouter(checks));
  if (metrics) result.use(metricsRouter(metrics.registry));
  return result;
}

async function readyz(target: express.Express): Promise<{ status: number; checks: { name: string; ok: boolean; detail?: string }[] }> {
  const response = await request(target).get('/readyz');
  return { status: response.status, checks: response.body.checks };
}

describe('readiness: database', () => {
  it('is ready while select 1 works, and not once the pool is gone', async () => {
    const db = openDatabase({ client: 'sqlite', filename: ':memory:' });
    const target = app([databaseReadiness(db)]);
    expect(await readyz(target)).toEqual({ status: 200, checks: [{ name: 'database', ok: true }] });
    await db.destroy();
    const after = await readyz(target);
    expect(after.status).toBe(503);
    expect(after.checks[0]).toMatchObject({ name: 'database', ok: false });
  });
});


describeWith(redisServerBinary(), 'readiness: Redis', () => {
  let server: RedisServer | undefined;
  let check: RedisReadiness | undefined;
  afterAll(async () => {
    await check?.close();
    await server?.stop();
  });

  it('goes false when Redis drops and true again when it is back', async () => {
    server = await RedisServer.start();
    check = redisReadiness(server.url, { timeoutMs: 500 });
    const target = app([check]);
    await eventually(async () => (await readyz(target)).status === 200, 'ready with Redis up');
    expect((await readyz(target)).checks).toEqual([{ name: 'redis', ok: true }]);

    await server.stop();
    await eventually(async () => (await readyz(target)).status === 503, 'not ready with Redis down');
    const down = await readyz(target);
    expect(down.checks[0]).toMatchObject({ name: 'redis', ok: false });
    expect(down.checks[0]!.detail).toBeTruthy();

    server = await RedisServer.start(server.port);
    await eventually(async () => (await readyz(target)).status === 200, 'ready again once Redis is back');
  });
});

describe('readiness: FreeSWITCH node', () => {
  let simulator: FreeswitchSimulator | undefined;
  let client: InboundClient | undefined;
  afterAll(async () => {
    await client?.close();
    await simulator?.stop();
  });

  it('goes false when the ESL node drops, and /metrics shows the node state', async () => {
    simulator = await FreeswitchSimulator.start({ eslPort: 0 });
    client = new InboundClient({ name: 'fs1', host: '127.0.0.1', port: simulator.eslPort, password: 'ClueCon', logger: testLogger() });
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    trackEslClient(metrics, client);
    await client.connect({ timeoutMs: 5000 });
    const target = app([eslReadiness(client)], metrics);
    expect(await readyz(target)).toEqual({ status: 200, checks: [{ name: 'freeswitch:fs1', ok: true }] });
    expect((await request(target).get('/metrics')).text).toContain('callback_esl_connection_state{node="fs1"} 2');

    await simulator.stop();
    await eventually(() => client!.state !== 'ready', 'the ESL connection to drop');
    const down = await readyz(target);
    expect(down.status).toBe(503);
    expect(down.checks).toEqual([{ name: 'freeswitch:fs1', ok: false, detail: client.state }]);
    expect((await request(target).get('/metrics')).text).toMatch(/callback_esl_connection_state\{node="fs1"\} [01]\n/);
  });
});
