import type { Knex } from 'knex';
import type { CallbackRequest } from '../../../lib/store';
import { migrateToLatest, openDatabase } from '../../../lib/store/database';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';
import { PrivateMariadb } from './support/private-mariadb';
import { quietDriverLogs } from './support/quiet-driver-logs';
import { countOriginates } from './support/calls';
import { TcpProxy } from './support/tcp-proxy';
import { describeWith, mariadbServerBinaries } from '../../support/external-services';

/*
 * MariaDB goes away while a call is being SET UP: leg A has answered, and B's price and holds
 * are about to be read and written. The engine reaches the database through a TCP relay that is
 * cut the instant the request moves to `dialing_b` (so the outage starts exactly between that
 * move and B's holds), and the private mariadbd behind it is then really stopped for a few
 * seconds of real time while the engine's clock moves 20 s.
 */

const OUTAGE_MS = 20_000;
const TALK_MS = 10_000;


interface ReservationRow {
  leg_uuid: string | null;
  hold_key: string | null;
  state: string;
}

describeWith(mariadbServerBinaries(), 'MariaDB stopped while a call is being set up (B priced and held after A answered)', () => {
  let server: PrivateMariadb;
  let proxy: TcpProxy;
  let db: Knex;
  let rig: EngineRig;
  quietDriverLogs();

  beforeAll(async () => {
    server = await PrivateMariadb.create(['callback']);
    proxy = await TcpProxy.listen(server.port);
    db = openDatabase({ client: 'mysql', url: server.url('callback').replace(`:${server.port}/`, `:${proxy.port}/`), pool: { min: 0, max: 10 } });
    await migrateToLatest(db);
    rig = await startEngineRig(db, 'mariadb', { queue: { driver: 'memory' } });
  }, 60_000);

  afterAll(async () => {
    proxy?.restore();
    await server?.start();
    await rig?.stop();
    await db?.destroy();
    await proxy?.close();
    await server?.destroy();
  }, 60_000);

  /** Orders a call and takes the database away the instant its request moves to `dialing_b`; true once that happened. */
  async function orderAndCutAtDialingB(accountId: number): Promise<string> {
    let cut = false;
    const { request } = await rig.engine.order({ accountId, source: SOURCE, destination: DESTINATION });
    const off = rig.engine.on('request', (change) => {
      if (change.requestId !== request.id || change.to !== 'dialing_b') return;
      // Synchronously, before the step's dial_b action reads B's price.
      proxy.cut();
      cut = true;
    });
    try {
      for (let step = 0; !cut; step += 1) {
        if (step > 200) throw new Error('the request never moved to dialing_b');
        await rig.clock.advance(250);
        await rig.settle();
      }
    } finally {
      off();
    }
    await server.stop();
    return request.id;
  }

  /** When the database came back last (engine clock). */
  let backAt = 0;

  async function outage(during: () => void | Promise<void> = () => undefined): Promise<void> {
    try {
      for (let elapsed = 0; elapsed < OUTAGE_MS; elapsed += 1_000) {
        await rig.clock.advance(1_000);
        await rig.settle();
      }
      await during();
    } finally {
      await server.start();
      proxy.restore();
      backAt = rig.clock.now();
    }
  }

  /** Live channels to B's number (the simulator lists channels until they end). */
  const bChannels = () => rig.sim.channels().filter((channel) => channel.destination?.includes(DESTINATION.slice(1)));

  it('a call being set up when MariaDB stops dials B once the database is back: one hold per leg, every leg settled once, balance exact, no hold left', async () => {
    const account = await rig.account(1_000);
    rig.sim.setPhone(SOURCE, { kind: 'answer', afterMs: 2_000 });
    rig.sim.setPhone(DESTINATION, { kind: 'answer', afterMs: 3_000, hangupAfterMs: TALK_MS });
    const id = await orderAndCutAtDialingB(account.id);
    await outage(() => {
      // B could not be priced nor held: it is not dialed, and A waits (it is not hung up).
      expect(bChannels()).toEqual([]);
      expect(rig.legs.filter((change) => change.requestId === id && change.role === 'B')).toEqual([]);
      expect(rig.legs.filter((change) => change.requestId === id && change.cause !== null)).toEqual([]);
    });

    const done = await rig.finish(id);
    expect(done).toMatchObject({ state: 'completed', attempts: 1 });
    const legs = await rig.store.legs.listForRequest(id);
    expect(legs.map((leg) => leg.role)).toEqual(['A', 'B']);
    // Dialed once the database was back, and answered: the talk ran its full length.
    expect(rig.sim.channel(legs[1]!.uuid)).toMatchObject({ answeredAt: expect.any(Number) });
    const cdrs = await rig.store.cdrs.listForRequest(id);
    expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
    expect(cdrs.find((cdr) => cdr.legUuid === legs[1]!.uuid)).toMatchObject({ billsec: TALK_MS / 1_000 });

    const holds: ReservationRow[] = await db('reservations').where('request_id', id).select('leg_uuid', 'hold_key', 'state');
    // A: its setup hold (released when the talk hold replaced it) and its talk hold; B: one hold. Each keyed, none twice.
    for (const leg of legs) expect(holds.filter((hold) => hold.leg_uuid === leg.uuid && hold.state !== 'released').map((hold) => hold.state)).toEqual(['settled']);
    expect(holds.filter((hold) => hold.leg_uuid === legs[1]!.uuid)).toHaveLength(1);
    expect(holds.every((hold) => hold.hold_key !== null)).toBe(true);
    expect(new Set(holds.map((hold) => hold.hold_key)).size).toBe(holds.length);
    const charged = cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    expect(charged).toBeGreaterThan(0);
    expect(await rig.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000 - charged, reservedMinor: 0 });
  }, 60_000);

  it('a request claimed just as MariaDB stops is priced, held and dialed once the database is back: A dialed once, one setup hold, the call completes with every leg settled once', async () => {
    const account = await rig.account(1_000);
    rig.sim.setPhone(SOURCE, { kind: 'answer', afterMs: 2_000 });
    rig.sim.setPhone(DESTINATION, { kind: 'answer', afterMs: 3_000, hangupAfterMs: TALK_MS });
    const originates = countOriginates(rig.sims);
    const engine = rig.engine;
    const dial = engine.dial.bind(engine);
    let claimed: string | undefined;
    // The scheduler's claim has landed; the runner's pricing and A's hold are next.
    engine.dial = (row: CallbackRequest) => {
      engine.dial = dial;
      claimed = row.id;
      proxy.cut();
      return dial(row);
    };
    const { request } = await rig.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    try {
      for (let step = 0; claimed === undefined; step += 1) {
        if (step > 200) throw new Error('the request was never dialed');
        await rig.clock.advance(250);
        await rig.settle();
      }
    } finally {
      engine.dial = dial;
    }
    expect(claimed).toBe(request.id);
    await server.stop();
    await outage(() => {
      expect(rig.sim.channels().filter((channel) => channel.destination?.includes(SOURCE.slice(1)))).toEqual([]);
      expect(rig.legs.filter((change) => change.requestId === request.id)).toEqual([]);
    });

    const done = await rig.finish(request.id);
    expect(done).toMatchObject({ state: 'completed', attempts: 1 });
    expect(originates.get(SOURCE)).toBe(1);
    // Dialed as soon as the database let it (the write backoff is at most 5 s), not when a lapsed lease was recovered.
    const opened = rig.legs.find((change) => change.requestId === request.id && change.role === 'A');
    expect(opened!.at - backAt).toBeLessThanOrEqual(6_000);
    const legs = await rig.store.legs.listForRequest(request.id);
    expect(legs.map((leg) => leg.role)).toEqual(['A', 'B']);
    const holds: ReservationRow[] = await db('reservations').where('request_id', request.id).select('leg_uuid', 'hold_key', 'state');
    // A: its setup hold (made once, released for the talk hold) and its talk hold; B: one.
    expect(holds.filter((hold) => hold.leg_uuid === legs[0]!.uuid).map((hold) => hold.state).sort()).toEqual(['released', 'settled']);
    expect(holds.filter((hold) => hold.leg_uuid === legs[1]!.uuid).map((hold) => hold.state)).toEqual(['settled']);
    const cdrs = await rig.store.cdrs.listForRequest(request.id);
    expect(cdrs).toHaveLength(2);
    const charged = cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    expect(await rig.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000 - charged, reservedMinor: 0 });
  }, 60_000);

  it('A hanging up during the outage leaves no hold and the request ends final: B never dialed, A settled once, balance exact', async () => {
    const account = await rig.account(1_000);
    rig.sim.setPhone(SOURCE, { kind: 'answer', afterMs: 2_000, hangupAfterMs: 5_000 });
    rig.sim.setPhone(DESTINATION, { kind: 'answer', afterMs: 3_000, hangupAfterMs: TALK_MS });
    const id = await orderAndCutAtDialingB(account.id);
    await outage(() => expect(bChannels()).toEqual([]));

    const done = await rig.finish(id);
    expect(['completed', 'busy', 'no_answer', 'failed', 'cancelled']).toContain(done.state);
    expect(done.attempts).toBe(1);
    // B never dialed: a leg's row is written before it is dialed, and there is none for B.
    expect(bChannels()).toEqual([]);
    expect(rig.legs.filter((change) => change.requestId === id && change.role === 'B')).toEqual([]);
    const legs = await rig.store.legs.listForRequest(id);
    expect(legs.map((leg) => leg.role)).toEqual(['A']);
    const cdrs = await rig.store.cdrs.listForRequest(id);
    expect(cdrs.map((cdr) => cdr.legUuid)).toEqual([legs[0]!.uuid]);
    expect(cdrs[0]!.billsec).toBe(5);
    expect(await rig.store.reservations.listHeld({ requestId: id })).toEqual([]);
    const charged = cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    expect(await rig.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000 - charged, reservedMinor: 0 });
  }, 60_000);
});
