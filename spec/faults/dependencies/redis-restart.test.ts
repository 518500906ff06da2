import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { EngineEvents, type RequestChange } from '../../../lib/callback/engine/events';
import { EventFanout } from '../../../lib/http/live/fanout';
import type { LiveEvent } from '../../../lib/http/live/live-event';
import { testLogger } from '../../../lib/log/logger';
import { createStore } from '../../../lib/store';
import { migrateToLatest, openDatabase } from '../../../lib/store/database';
import { RedisServer } from '../../metrics/redis-server';
import { uniquePrefix } from '../../scheduler/support';
import { describeEachDatabase } from '../../support/databases';
import { startEngineRig, type EngineRig } from '../../support/engine-harness';
import { countOriginates, destinationNumber, finishAll, sourceNumber } from './support/calls';
import { describeWith, redisServerBinary } from '../../support/external-services';

/*
 * Redis holds only hints (BullMQ jobs, pub/sub); the SQL rows are the truth. Each test runs its
 * own redis-server (never the shared one), flushes it and kills it.
 */


/** Waits (real time, in short steps) until `condition` holds: a Redis client reconnects on its own clock. */
async function eventually(condition: () => boolean | Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeWith(redisServerBinary(), 'Redis restarted and flushed', () => {
  describeEachDatabase('under the BullMQ dial queue', (getDb, dbEngine) => {
    let redis: RedisServer | undefined;
    let rig: EngineRig | undefined;

    afterEach(async () => {
      await rig?.stop();
      rig = undefined;
      await redis?.stop();
      redis = undefined;
    });

    it('dials every request exactly once, on time, though Redis is flushed and then restarted empty while some are due now and some later', async () => {
      redis = await RedisServer.start();
      const r = (rig = await startEngineRig(getDb(), dbEngine, {
        queue: { driver: 'redis', url: redis.url, prefix: uniquePrefix() },
        callback: { maxConcurrentPerAccount: 100 },
      }));
      const originates = countOriginates(r.sims);
      const account = await r.account(100_000, { maxConcurrentCallbacks: 100 });
      const ids: string[] = [];
      const dueAt = new Map<string, number>();
      for (let n = 0; n < 6; n += 1) {
        r.sim.setPhone(sourceNumber(n), { kind: 'answer', afterMs: 1_000 });
        r.sim.setPhone(destinationNumber(n), { kind: 'answer', afterMs: 1_000, hangupAfterMs: 5_000 });
        // Half due now, half 30 s later (a delayed BullMQ job each).
        const due = n % 2 === 0 ? r.clock.now() : r.clock.now() + 30_000;
        const { request } = await r.engine.order({ accountId: account.id, source: sourceNumber(n), destination: destinationNumber(n), dueAt: due });
        ids.push(request.id);
        dueAt.set(request.id, due);
      }

      // Every job gone (FLUSHALL), then the server itself (killed, started again empty on its port).
      const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      await admin.flushall();
      admin.disconnect();
      await redis.stop();
      redis = await RedisServer.start(redis.port);

      await finishAll(r, ids, 'every request to end');

      const ends = await Promise.all(ids.map((id) => r.store.callbackRequests.findById(id)));
      expect(ends.map((request) => [request?.state, request?.attempts, request?.lastCause])).toEqual(ids.map(() => ['completed', 1, 'NORMAL_CLEARING']));
      for (const id of ids) {
        const legs = await r.store.legs.listForRequest(id);
        expect(legs.map((leg) => leg.role)).toEqual(['A', 'B']);
        // Not dialed before it was due.
        expect(legs[0]!.createdAt).toBeGreaterThanOrEqual(dueAt.get(id)!);
        expect((await r.store.cdrs.listForRequest(id)).map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
      }
      for (let n = 0; n < 6; n += 1) expect(originates.get(sourceNumber(n))).toBe(1);
    });
  });

  describe('the live-event fanout (Redis pub/sub)', () => {
    let redis: RedisServer | undefined;
    let db: Knex | undefined;
    const fanouts: EventFanout[] = [];

    afterEach(async () => {
      for (const fanout of fanouts.splice(0)) await fanout.close();
      await redis?.stop();
      redis = undefined;
      await db?.destroy();
      db = undefined;
    });

    it('carries events between instances again once Redis is back after a restart, and loses none on the publishing instance meanwhile', async () => {
      redis = await RedisServer.start();
      db = openDatabase({ client: 'sqlite', filename: ':memory:' });
      await migrateToLatest(db);
      const store = createStore(db);
      const logger = testLogger();
      const channel = `faults-live-${uniquePrefix()}`;
      // Instance one runs the calls; instance two only serves streams.
      const one = new EventFanout({ store, logger, redisUrl: redis.url, channel });
      const two = new EventFanout({ store, logger, redisUrl: redis.url, channel });
      fanouts.push(one, two);
      await one.start();
      await two.start();
      const engine = new EngineEvents(logger);
      one.attach(engine);
      const seenOnOne: LiveEvent[] = [];
      const seenOnTwo: LiveEvent[] = [];
      one.subscribe({ accountId: 7 }, (event) => void seenOnOne.push(event));
      two.subscribe({ accountId: 7 }, (event) => void seenOnTwo.push(event));
      let n = 0;
      const change = (): RequestChange => ({ requestId: `r-${(n += 1)}`, accountId: 7, from: null, to: 'queued', event: 'ordered', cause: null, at: n });
      const requestIds = (events: LiveEvent[]) => events.map((event) => event.requestId);

      engine.emit('request', change());
      await one.flushed();
      await eventually(() => seenOnTwo.length === 1, 'the first event on instance two');

      await redis.stop();
      // While Redis is gone, the publishing instance's own streams still get every event.
      engine.emit('request', change());
      await one.flushed();
      expect(requestIds(seenOnOne)).toEqual(['r-1', 'r-2']);

      redis = await RedisServer.start(redis.port);
      // The subscriber re-subscribes by itself: events published now reach instance two again.
      await eventually(async () => {
        engine.emit('request', change());
        await one.flushed();
        return seenOnTwo.length > 1;
      }, 'events on instance two after the restart');
      await eventually(() => seenOnOne.length === n, 'the last event back on instance one');
      const after = requestIds(seenOnTwo).slice(1);
      expect(after.length).toBeGreaterThan(0);
      // Exactly once each, in order, on both instances.
      expect(new Set(requestIds(seenOnTwo)).size).toBe(seenOnTwo.length);
      expect(requestIds(seenOnOne)).toEqual(Array.from({ length: n }, (_unused, i) => `r-${i + 1}`));
    });
  });
});
