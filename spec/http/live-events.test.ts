import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { apiRouter } from '../../lib/http/api/router';
import { createHttpApp } from '../../lib/http/app';
import { EventFanout } from '../../lib/http/live/fanout';
import { testLogger } from '../../lib/log/logger';
import { describeEachDatabase } from '../support/databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../support/engine-harness';
import { connectSse, type SseEvent } from './support/sse-client';
import { itWith, testRedis } from '../support/external-services';

interface Instance {
  url: string;
  fanout: EventFanout;
  close(): Promise<void>;
}

async function startInstance(rig: EngineRig, db: Parameters<typeof apiRouter>[0]['db'], options: { feed: boolean; redisUrl?: string; channel?: string }): Promise<Instance> {
  const logger = testLogger();
  const fanout = new EventFanout({ store: rig.store, logger, redisUrl: options.redisUrl, channel: options.channel });
  await fanout.start();
  if (options.feed) fanout.attach(rig.engine);
  const router = apiRouter({ engine: rig.engine, db, logger, clock: rig.clock, fanout });
  const app = createHttpApp({ logger, readiness: [], routers: [{ path: '/api/v1', router }] });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fanout,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fanout.close();
    },
  };
}

const legStatuses = (events: SseEvent[], role: 'A' | 'B'): string[] =>
  events.filter((e) => e.event === 'leg' && (e.data as { leg: string }).leg === role).map((e) => (e.data as { status: string }).status);

describeEachDatabase('live status over SSE', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  const instances: Instance[] = [];

  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.close();
    await rig?.stop();
    rig = undefined;
  });

  /** Due a minute from now, so the streams are open before anything is dialed. */
  async function orderOverApi(instance: Instance, key: string): Promise<string> {
    const at = new Date((rig?.clock.now() ?? 0) + 60_000).toISOString();
    const res = await request(instance.url).post('/api/v1/callbacks').set('Authorization', `Bearer ${key}`).send({ source: SOURCE, destination: DESTINATION, at }).expect(201);
    return res.body.id as string;
  }

  it('streams both legs of a real callback over the simulator, per request and per account', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const instance = await startInstance(r, getDb(), { feed: true });
    instances.push(instance);
    // The engine rig's SOURCE is not a verified number of this account: it may call any first party.
    const account = await r.account(1_000, { freeSources: true });
    const other = await r.account(1_000);
    const { plainKey } = await r.store.apiKeys.create({ accountId: account.id });
    const otherKey = (await r.store.apiKeys.create({ accountId: other.id })).plainKey;
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', ringing: true, afterMs: 3_000, hangupAfterMs: 20_000 });

    const headers = { Authorization: `Bearer ${plainKey}` };
    const accountStream = connectSse(`${instance.url}/api/v1/events`, headers);
    const otherStream = connectSse(`${instance.url}/api/v1/events`, { Authorization: `Bearer ${otherKey}` });
    await accountStream.until((events) => events.some((e) => e.event === 'ready'));
    await otherStream.until((events) => events.some((e) => e.event === 'ready'));
    const id = await orderOverApi(instance, plainKey);
    const stream = connectSse(`${instance.url}/api/v1/callbacks/${id}/events`, headers);
    expect(await stream.status).toBe(200);
    await stream.until((events) => events.length > 0);

    await r.finish(id);
    await instance.fanout.flushed();
    await stream.ended;

    const [snapshot] = stream.events;
    expect(snapshot).toMatchObject({ event: 'snapshot', data: { callback: { id, state: 'queued' }, legs: [] } });
    const engineStatuses = (role: 'A' | 'B') => r.legs.filter((c) => c.requestId === id && c.role === role).map((c) => c.status);
    expect(legStatuses(stream.events, 'B')).toEqual(['dialing', 'ringing', 'answered', 'bridged', 'completed']);
    expect(legStatuses(stream.events, 'A')).toEqual(engineStatuses('A'));
    expect(legStatuses(stream.events, 'A')).toContain('answered');
    // The request's end may come before its legs' settlement: the stream stays until both legs ended.
    expect(stream.events.filter((e) => e.event === 'request').pop()).toMatchObject({ data: { requestId: id, state: 'completed', cause: 'NORMAL_CLEARING' } });
    const completedB = stream.events.find((e) => e.event === 'leg' && (e.data as { leg: string; status: string }).status === 'completed' && (e.data as { leg: string }).leg === 'B');
    expect(completedB?.data).toMatchObject({ cause: 'NORMAL_CLEARING' });

    await accountStream.until((events) => events.some((e) => e.event === 'request' && (e.data as { state: string }).state === 'completed'));
    expect(legStatuses(accountStream.events, 'B')).toEqual(['dialing', 'ringing', 'answered', 'bridged', 'completed']);
    expect(otherStream.events.filter((e) => e.event !== 'ready')).toEqual([]);
    accountStream.close();
    otherStream.close();

    // A finished callback's stream is its snapshot, then the end.
    const replay = connectSse(`${instance.url}/api/v1/callbacks/${id}/events`, headers);
    await replay.ended;
    expect(replay.events).toEqual([expect.objectContaining({ event: 'snapshot', data: expect.objectContaining({ callback: expect.objectContaining({ state: 'completed' }) }) })]);
  });

  itWith(testRedis(), 'serves the stream from another instance through Redis pub/sub', async (redisUrl) => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const channel = `cb-live-test-${randomBytes(4).toString('hex')}`;
    // Instance 1 runs the call; instance 2 only serves the stream.
    const one = await startInstance(r, getDb(), { feed: true, redisUrl, channel });
    const two = await startInstance(r, getDb(), { feed: false, redisUrl, channel });
    instances.push(one, two);
    // The engine rig's SOURCE is not a verified number of this account: it may call any first party.
    const account = await r.account(1_000, { freeSources: true });
    const { plainKey } = await r.store.apiKeys.create({ accountId: account.id });
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 10_000 });
    const headers = { Authorization: `Bearer ${plainKey}` };

    const id = await orderOverApi(one, plainKey);
    const onTwo = connectSse(`${two.url}/api/v1/callbacks/${id}/events`, headers);
    const onOne = connectSse(`${one.url}/api/v1/callbacks/${id}/events`, headers);
    await onTwo.until((events) => events.length > 0);
    await onOne.until((events) => events.length > 0);
    await r.finish(id);
    await one.fanout.flushed();
    await Promise.all([onTwo.ended, onOne.ended]);

    const expected = r.legs.filter((c) => c.requestId === id).map((c) => `${c.role}:${c.status}`);
    const seen = (events: SseEvent[]) => events.filter((e) => e.event === 'leg').map((e) => `${(e.data as { leg: string }).leg}:${(e.data as { status: string }).status}`);
    expect(seen(onTwo.events)).toEqual(expected);
    // Exactly once on the instance that published too.
    expect(seen(onOne.events)).toEqual(expected);
    expect(onTwo.events.filter((e) => e.event === 'request').pop()).toMatchObject({ data: { state: 'completed' } });
  });
});
