import type { Knex } from 'knex';
import request from 'supertest';
import type { Express } from 'express';
import { apiRouter, API_PREFIX } from '../../../lib/http/api/router';
import { createHttpApp } from '../../../lib/http/app';
import { databaseReadiness } from '../../../lib/metrics/readiness';
import { migrateToLatest, openDatabase } from '../../../lib/store/database';
import { sha256Hex } from '../../../lib/store/secrets';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';
import { PrivateMariadb } from './support/private-mariadb';
import { quietDriverLogs } from './support/quiet-driver-logs';
import { describeWith, mariadbServerBinaries } from '../../support/external-services';

/*
 * MariaDB stopped while calls run. The issue asks for 30 s; the server here is really down for
 * a few seconds of real time (a clean shutdown and a restart of a private mariadbd), during which
 * the engine's clock moves 30 s and more: the talk goes on, ends, and its settlements wait.
 */

const OPERATOR_KEY = 'faults-operator-key-0123456789abcdef';
const TALK_MS = 45_000;


describeWith(mariadbServerBinaries(), 'MariaDB stopped for a while (a few seconds of real time, 30 s on the engine clock)', () => {
  let server: PrivateMariadb;
  let db: Knex;
  let rig: EngineRig;
  let app: Express;
  quietDriverLogs();

  beforeAll(async () => {
    server = await PrivateMariadb.create(['callback']);
    db = openDatabase({ client: 'mysql', url: server.url('callback'), pool: { min: 0, max: 10 } });
    await migrateToLatest(db);
    rig = await startEngineRig(db, 'mariadb', { queue: { driver: 'memory' } });
    const router = apiRouter({ engine: rig.engine, db, logger: rig.logger, clock: rig.clock, operatorKeyHash: sha256Hex(OPERATOR_KEY) });
    app = createHttpApp({ logger: rig.logger, readiness: [databaseReadiness(db)], routers: [{ path: API_PREFIX, router }] });
  }, 60_000);

  afterAll(async () => {
    await server?.start();
    await rig?.stop();
    await db?.destroy();
    await server?.destroy();
  }, 60_000);

  const get = (path: string) => request(app).get(path).set('Authorization', `Bearer ${OPERATOR_KEY}`);

  it('answers 503 "unavailable" with a JSON body and Retry-After while the database is down (not 500, not a hang), and 200 again after; /readyz goes unready and back', async () => {
    const account = await rig.account(1_000);
    expect((await get(`${API_PREFIX}/callbacks?accountId=${account.id}`)).status).toBe(200);
    expect((await request(app).get('/readyz')).status).toBe(200);

    await server.stop();
    try {
      for (const path of [`${API_PREFIX}/callbacks?accountId=${account.id}`, `${API_PREFIX}/callbacks/00000000-0000-4000-8000-000000000000`]) {
        const down = await get(path);
        expect(down.status).toBe(503);
        expect(down.headers['retry-after']).toBe('5');
        expect(down.body).toEqual({ error: { code: 'unavailable', message: expect.stringMatching(/database is unavailable/) } });
      }
      // An account key is checked against the database too: unavailable, not "unauthorized".
      const keyed = await request(app).get(`${API_PREFIX}/callbacks`).set('Authorization', 'Bearer cbk_not_checkable_now');
      expect(keyed.status).toBe(503);
      const order = await request(app)
        .post(`${API_PREFIX}/callbacks`)
        .set('Authorization', `Bearer ${OPERATOR_KEY}`)
        .send({ accountId: account.id, source: SOURCE, destination: DESTINATION });
      expect(order.status).toBe(503);
      const readiness = await request(app).get('/readyz');
      expect(readiness.status).toBe(503);
      expect(readiness.body).toMatchObject({ status: 'not-ready', checks: [{ name: 'database', ok: false }] });
    } finally {
      await server.start();
    }

    expect((await get(`${API_PREFIX}/callbacks?accountId=${account.id}`)).status).toBe(200);
    expect((await request(app).get('/readyz')).status).toBe(200);
  }, 60_000);

  it('keeps a bridged talk going while the database is down, and settles both legs exactly once when it is back: one CDR per leg, balance exact to the minor unit, no hold left', async () => {
    const account = await rig.account(1_000);
    rig.sim.setPhone(SOURCE, { kind: 'answer', afterMs: 2_000 });
    rig.sim.setPhone(DESTINATION, { kind: 'answer', afterMs: 3_000, hangupAfterMs: TALK_MS });
    const { request: ordered } = await rig.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const bridged = () => rig.requests.some((change) => change.requestId === ordered.id && change.to === 'bridged');
    await rig.runUntil(bridged, 'the talk to start');
    const legs = await rig.store.legs.listForRequest(ordered.id);
    expect(legs.map((leg) => leg.role)).toEqual(['A', 'B']);

    await server.stop();
    try {
      // 30 s on the engine's clock with the database gone: no write can land, the talk goes on.
      for (let second = 0; second < 30; second += 1) {
        await rig.clock.advance(1_000);
        await rig.settle();
      }
      for (const leg of legs) expect(rig.sim.channel(leg.uuid)).toMatchObject({ hangupAt: undefined });
      // The far end hangs up while the database is still down: the end and both settlements wait.
      for (let second = 0; second < TALK_MS / 1_000; second += 1) {
        await rig.clock.advance(1_000);
        await rig.settle();
      }
      const b = rig.sim.channel(legs[1]!.uuid)!;
      expect(b.hangupAt).toBeDefined();
      expect(b.hangupAt! - b.answeredAt!).toBe(TALK_MS);
      expect(rig.legs.filter((change) => change.requestId === ordered.id && change.cause !== null)).toEqual([]);
    } finally {
      await server.start();
    }

    const done = await rig.finish(ordered.id);
    expect(done).toMatchObject({ state: 'completed' });
    const cdrs = await rig.store.cdrs.listForRequest(ordered.id);
    expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
    const [cdrA, cdrB] = legs.map((leg) => cdrs.find((cdr) => cdr.legUuid === leg.uuid)!);
    // Billed from what FreeSWITCH reported, not from when the database came back.
    expect(cdrB).toMatchObject({ billsec: TALK_MS / 1_000, hangupCause: 'NORMAL_CLEARING' });
    expect(cdrA!.billsec).toBeGreaterThanOrEqual(TALK_MS / 1_000);
    const charged = cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    expect(charged).toBeGreaterThan(0);
    expect(await rig.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000 - charged, reservedMinor: 0 });
    expect(await rig.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
    for (const leg of await rig.store.legs.listForRequest(ordered.id)) expect(leg.endedAt).not.toBeNull();
  }, 60_000);
});
