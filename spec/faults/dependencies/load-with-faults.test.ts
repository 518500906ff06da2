import type { Knex } from 'knex';
import { migrateToLatest, openDatabase } from '../../../lib/store/database';
import { RedisServer } from '../../metrics/redis-server';
import { uniquePrefix } from '../../scheduler/support';
import { startEngineRig, type EngineRig } from '../../support/engine-harness';
import { countOriginates, destinationNumber, finishAll, sourceNumber } from './support/calls';
import { PrivateMariadb } from './support/private-mariadb';
import { quietDriverLogs } from './support/quiet-driver-logs';
import { TcpProxy } from './support/tcp-proxy';
import { allOf, describeWith, mariadbServerBinaries, redisServerBinary } from '../../support/external-services';

/*
 * 200 callbacks at once on MariaDB and BullMQ (a private mariadbd and redis-server), over two
 * FreeSWITCH nodes, while Redis is killed and started again empty and node fs1's event socket
 * link drops for 20 s. Phones answer after 0.5–2.5 s and talk 40–46 s; every tenth subscriber is
 * busy (retried, then given up). Time is the engine harness's stepping clock, so the run takes
 * seconds of real time.
 */

const CALLS = 200;
const ACCOUNTS = 20;
const BALANCE = 5_000;
/** Talks last 40–46 s and the second half is due 12 s in, so the two halves talk at the same time. */
const TALK_MS = 40_000;
const LATER_MS = 12_000;


describeWith(allOf(mariadbServerBinaries(), redisServerBinary()), '200 concurrent callbacks while Redis restarts and one of two ESL nodes drops', () => {
  let mariadb: PrivateMariadb | undefined;
  let redis: RedisServer | undefined;
  let db: Knex | undefined;
  let rig: EngineRig | undefined;
  const proxies: TcpProxy[] = [];
  quietDriverLogs();

  afterAll(async () => {
    for (const proxy of proxies) proxy.restore();
    await rig?.stop();
    for (const proxy of proxies) await proxy.close();
    await db?.destroy();
    await redis?.stop();
    await mariadb?.destroy();
  }, 60_000);

  it('ends every request in a final state, gives every leg exactly one CDR and one settlement, and moves each balance by exactly its CDRs, with no hold left', async () => {
    mariadb = await PrivateMariadb.create(['callback']);
    db = openDatabase({ client: 'mysql', url: mariadb.url('callback'), pool: { min: 0, max: 10 } });
    await migrateToLatest(db);
    redis = await RedisServer.start();
    const r = (rig = await startEngineRig(db, 'mariadb', {
      nodes: 2,
      queue: { driver: 'redis', url: redis.url, prefix: uniquePrefix() },
      callback: { maxConcurrentPerAccount: 1_000, maxRetries: 1, retryIntervalSeconds: 30 },
      eslPortOf: async (port) => {
        const proxy = await TcpProxy.listen(port);
        proxies.push(proxy);
        return proxy.port;
      },
    }));
    const originates = countOriginates(r.sims);
    const accounts = [];
    for (let i = 0; i < ACCOUNTS; i += 1) accounts.push(await r.account(BALANCE, { maxConcurrentCallbacks: 1_000 }));
    for (const sim of r.sims) {
      for (let n = 0; n < CALLS; n += 1) {
        sim.setPhone(sourceNumber(n), n % 10 === 9 ? { kind: 'busy', afterMs: 1_000 } : { kind: 'answer', afterMs: 500 + (n % 5) * 500 });
        sim.setPhone(destinationNumber(n), { kind: 'answer', afterMs: 500 + (n % 3) * 500, hangupAfterMs: TALK_MS + (n % 7) * 1_000 });
      }
    }

    const ids: string[] = [];
    for (let n = 0; n < CALLS; n += 1) {
      const account = accounts[n % ACCOUNTS]!;
      // Half due now, half a little later: those wait as delayed BullMQ jobs when Redis dies.
      const dueAt = n % 2 === 0 ? r.clock.now() : r.clock.now() + LATER_MS;
      ids.push((await r.engine.order({ accountId: account.id, source: sourceNumber(n), destination: destinationNumber(n), dueAt })).request.id);
    }
    const bridged = () => new Set(r.requests.filter((change) => change.to === 'bridged').map((change) => change.requestId)).size;
    await r.runUntil(() => bridged() >= 20, 'the first talks');

    // The faults, in the middle of the load: Redis killed and back empty; fs1's link cut for 20 s.
    const waiting = (await Promise.all(ids.map((id) => r.store.callbackRequests.findById(id)))).filter((request) => request?.state === 'queued').length;
    const onFs1 = r.pool.snapshot()[0]!.channels;
    await redis.stop();
    proxies[0]!.cut();
    redis = await RedisServer.start(redis.port);
    await r.runUntil(() => r.clients[0]!.state !== 'ready', 'fs1 to be seen down');
    const cutUntil = r.clock.now() + 20_000;
    await r.runUntil(() => r.clock.now() >= cutUntil, 'fs1 down for 20 s');
    proxies[0]!.restore();

    await finishAll(r, ids, 'every request to end');
    // The faults hit work in flight: requests whose jobs Redis lost, calls on the node that dropped.
    expect(waiting).toBeGreaterThan(0);
    expect(onFs1).toBeGreaterThan(0);

    const requests = await Promise.all(ids.map((id) => r.store.callbackRequests.findById(id)));
    const states = new Map<string, number>();
    for (const request of requests) states.set(request!.state, (states.get(request!.state) ?? 0) + 1);
    // The busy tenth gave up after its retry; everyone else talked.
    expect(Object.fromEntries(states)).toEqual({ completed: CALLS - CALLS / 10, busy: CALLS / 10 });

    let charged = 0;
    for (const id of ids) {
      const legs = await r.store.legs.listForRequest(id);
      const cdrs = await r.store.cdrs.listForRequest(id);
      // One CDR per leg (each leg settled once), and the leg row carries the same cost.
      expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
      for (const leg of legs) {
        expect(leg.endedAt).not.toBeNull();
        expect(leg.costMinor).toBe(cdrs.find((cdr) => cdr.legUuid === leg.uuid)!.costMinor);
      }
      charged += cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
      // Leg A was dialed once per attempt, never twice for one.
      const request = requests[ids.indexOf(id)]!;
      expect(legs.filter((leg) => leg.role === 'A')).toHaveLength(request.attempts);
    }
    for (let n = 0; n < CALLS; n += 1) expect(originates.get(sourceNumber(n))).toBe(n % 10 === 9 ? 2 : 1);

    // Money: what left the balances is exactly what the CDRs cost, account by account, and nothing is held.
    let paid = 0;
    for (const account of accounts) {
      const balance = (await r.store.accounts.balance(account.id))!;
      expect(balance.reservedMinor).toBe(0);
      const own = await db('cdrs').where({ account_id: account.id }).sum({ total: 'cost_minor' });
      expect(BALANCE - balance.balanceMinor).toBe(Number(own[0]?.total ?? 0));
      paid += BALANCE - balance.balanceMinor;
      expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
    }
    expect(paid).toBe(charged);
    expect(charged).toBeGreaterThan(0);
    // Only a guard against a hang: the run is bounded by simulated time. It takes about 80 s of
    // real time beside other suites and has taken over 120 s on a busier machine, no failure of the service.
  }, 600_000);
});
