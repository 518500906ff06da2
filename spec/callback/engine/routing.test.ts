import { Redis } from 'ioredis';
import { defaultRouting } from '../../../lib/callback/engine';
import type { QueueSettings } from '../../../lib/config';
import { routingSchema, type RoutingSettings } from '../../../lib/config/routing-schema';
import { testLogger } from '../../../lib/log/logger';
import { RedisCarrierLimits } from '../../../lib/routing/redis-carrier-limits';
import { minorUnits } from '../../../lib/domain/money';
import type { E164 } from '../../../lib/domain/phone-number';
import type { Carrier, Leg } from '../../../lib/store';
import type { NewCarrier } from '../../../lib/store/carriers';
import type { NewRate } from '../../../lib/store/tariffs-rates';
import { freshDid } from '../../access/support';
import { DUE_STATES } from '../../../lib/scheduler/request-states';
import { claimForDial } from '../../../lib/store/request-claims';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, SOURCE, SteppingClock, startEngineRig, type EngineRig, type RigOptions } from '../../support/engine-harness';
import { itWith, testRedis } from '../../support/external-services';
import { deletePrefix, uniquePrefix } from '../../scheduler/support';

/**
 * Issue #17 through the simulator: three carriers, each a gateway of its own on the node, buy
 * rates 0.1, 0.2 and 0.3 cents a minute on +1 (all below the demo tariffs' sell rates).
 */
const GATEWAYS = ['gw-alpha', 'gw-beta', 'gw-gamma'];
const OTHER_SOURCE = '+12025550303' as E164;
const OTHER_DESTINATION = '+12025550404' as E164;

describeEachDatabase('callback engine, least-cost routing with failover', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  /** A second controller on the same database, for the limits shared through Redis. */
  let other: EngineRig | undefined;
  const limiters: RedisCarrierLimits[] = [];
  const redisUsed: Array<{ url: string; prefix: string }> = [];

  afterEach(async () => {
    await rig?.stop();
    await other?.stop();
    rig = undefined;
    other = undefined;
    await Promise.all(limiters.splice(0).map((limits) => limits.close()));
    for (const { url, prefix } of redisUsed.splice(0)) {
      const admin = new Redis(url, { maxRetriesPerRequest: 3 });
      await deletePrefix(admin, prefix);
      admin.disconnect();
    }
  });

  interface StartOptions {
    callback?: RigOptions['callback'];
    routing?: Partial<RoutingSettings>;
    nodes?: number;
    /** Carrier limits counted in Redis under this prefix, with the rig's own clock. */
    redis?: { url: string; prefix: string };
    queue?: QueueSettings;
  }

  async function start(options: StartOptions = {}): Promise<EngineRig> {
    rig = await startRig(options);
    return rig;
  }

  async function startRig(options: StartOptions): Promise<EngineRig> {
    const clock = new SteppingClock();
    const settings = { ...routingSchema.parse({}), ...options.routing };
    const limits = options.redis && new RedisCarrierLimits({ ...options.redis, leaseMs: settings.carrierLeaseSeconds * 1000, clock, logger: testLogger() });
    if (limits) limiters.push(limits);
    const started = await startEngineRig(getDb(), dbEngine, {
      clock,
      simulator: { gateways: GATEWAYS },
      engine: { routing: { ...defaultRouting(), settings, limits } },
      ...(options.callback ? { callback: options.callback } : {}),
      ...(options.nodes ? { nodes: options.nodes } : {}),
      ...(options.queue ? { queue: options.queue } : {}),
    });
    // The database is shared by the tests of a run: earlier tests' carriers are out of the way.
    for (const old of await started.store.carriers.list()) await started.store.carriers.disable(old.id);
    return started;
  }

  let made = 0;

  /** A carrier named `name` in the results (its row's name is unique across the tests sharing the database). */
  async function carrier(r: EngineRig, name: string, ratePerMinute: number, fields: Omit<NewCarrier, 'name'> = {}, terms: Omit<NewRate, 'prefix' | 'ratePerMinute'> = {}): Promise<Carrier> {
    made += 1;
    const created = { ...(await r.store.carriers.create({ name: `${name}-${made}`, ...fields })), name };
    await r.store.carriers.setGateway(created.id, { node: '*', gateway: `gw-${name}` });
    await r.store.buyRates.importRates(created.id, [{ prefix: '1', ratePerMinute, ...terms }], { effectiveFrom: 0 });
    return created;
  }

  /** Each leg row as [role, attempt, carrier, state, cause], in the order they were written. */
  async function tries(r: EngineRig, requestId: string, carriers: readonly Carrier[]): Promise<Array<[string, number, string | null, string, string | null]>> {
    const names = new Map(carriers.map((c) => [c.id, c.name]));
    const legs: Leg[] = await r.store.legs.listForRequest(requestId);
    return legs.map((leg) => [leg.role, leg.attempt, leg.carrierId === null ? null : (names.get(leg.carrierId) ?? '?'), leg.state, leg.hangupCause]);
  }

  it('dials the cheapest carrier first and, when its gateway is down, the next one within the same attempt, each try its own leg row', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'gamma', 3_000), await carrier(r, 'alpha', 1_000), await carrier(r, 'beta', 2_000)];
    r.sim.setGatewayDown('gw-alpha');
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 61_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'completed', attempts: 1 });
    expect(await tries(r, request.id, carriers)).toEqual([
      ['A', 1, 'alpha', 'failed', 'GATEWAY_DOWN'],
      ['A', 1, 'beta', 'completed', 'NORMAL_CLEARING'],
      ['B', 1, 'alpha', 'failed', 'GATEWAY_DOWN'],
      ['B', 1, 'beta', 'completed', 'NORMAL_CLEARING'],
    ]);
    const legs = await r.store.legs.listForRequest(request.id);
    for (const leg of legs.filter((l) => l.state === 'completed')) expect(r.sim.channel(leg.uuid)?.variables.sip_gateway_name).toBe('gw-beta');
    // The failed tries cost nothing; the holds went with the tries that carried the call and were settled.
    expect(legs.filter((l) => l.state === 'failed').map((l) => [l.costMinor, l.reservedMinor])).toEqual([[0, null], [0, null]]);
    expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
    const cdrs = await r.store.cdrs.listForRequest(request.id);
    expect(cdrs).toHaveLength(4);
    const balance = await r.store.accounts.balance(account.id);
    expect(balance).toMatchObject({ reservedMinor: 0, balanceMinor: 1_000 - legs.reduce((sum, leg) => sum + (leg.costMinor ?? 0), 0) });
  });

  it('stops routing through a carrier at once when it is disabled or its rates change, not a reload period later', async () => {
    const r = await start({ routing: { reloadSeconds: 3_600 } });
    const carriers = [await carrier(r, 'alpha', 1_000), await carrier(r, 'beta', 2_000)];
    const account = await r.account(1_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 1_000 });
    const carrierOfB = async (): Promise<string | null | undefined> => {
      const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
      await r.finish(request.id);
      return (await tries(r, request.id, carriers)).find(([role]) => role === 'B')?.[2];
    };

    expect(await carrierOfB()).toBe('alpha');
    await r.store.buyRates.importRates((carriers[1] as Carrier).id, [{ prefix: '1', ratePerMinute: 500 }], { effectiveFrom: 0 });
    expect(await carrierOfB()).toBe('beta');
    await r.store.carriers.disable((carriers[1] as Carrier).id);
    expect(await carrierOfB()).toBe('alpha');
  });

  it('fails over the same way in simultaneous mode, both legs parked on one node', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'alpha', 1_000), await carrier(r, 'beta', 2_000)];
    r.sim.setGatewayDown('gw-alpha', 'NO_ROUTE_DESTINATION');
    const account = await r.account(1_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 10_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'completed', attempts: 1 });
    expect((await tries(r, request.id, carriers)).map(([role, , name, state, cause]) => [role, name, state, cause]).sort()).toEqual([
      ['A', 'alpha', 'failed', 'NO_ROUTE_DESTINATION'],
      ['A', 'beta', 'completed', 'NORMAL_CLEARING'],
      ['B', 'alpha', 'failed', 'NO_ROUTE_DESTINATION'],
      ['B', 'beta', 'completed', 'NORMAL_CLEARING'],
    ]);
    expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
  });

  it('does not try another carrier when the called party is busy: the attempt ends as it always did', async () => {
    const r = await start({ callback: { maxRetries: 0 } });
    const carriers = [await carrier(r, 'alpha', 1_000), await carrier(r, 'beta', 2_000)];
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'busy' });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'busy', attempts: 1, lastCause: 'USER_BUSY' });
    expect(await tries(r, request.id, carriers)).toEqual([['A', 1, 'alpha', 'busy', 'USER_BUSY']]);
  });

  it('fails the leg with the last route cause when every carrier failed, and retries it per the retry policy', async () => {
    const r = await start({ callback: { maxRetries: 1, retryIntervalSeconds: 60 } });
    const carriers = [await carrier(r, 'alpha', 1_000), await carrier(r, 'beta', 2_000)];
    r.sim.setGatewayDown('gw-alpha');
    r.sim.setGatewayDown('gw-beta', 'NORMAL_TEMPORARY_FAILURE');
    const account = await r.account(1_000);

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'failed', attempts: 2, lastCause: 'NORMAL_TEMPORARY_FAILURE' });
    expect(await tries(r, request.id, carriers)).toEqual([
      ['A', 1, 'alpha', 'failed', 'GATEWAY_DOWN'],
      ['A', 1, 'beta', 'failed', 'NORMAL_TEMPORARY_FAILURE'],
      ['A', 2, 'alpha', 'failed', 'GATEWAY_DOWN'],
      ['A', 2, 'beta', 'failed', 'NORMAL_TEMPORARY_FAILURE'],
    ]);
    expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
  });

  it('pins leg A to the access number\'s trunk carrier, while B takes the cheapest', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'alpha', 1_000), await carrier(r, 'gamma', 3_000)];
    const account = await r.account(1_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, trunk: `gamma-${made}` });
    await r.finish(request.id);

    expect((await tries(r, request.id, carriers)).map(([role, , name]) => [role, name])).toEqual([
      ['A', 'gamma'],
      ['B', 'alpha'],
    ]);
  });

  it('skips a carrier at its channel limit while calls overlap, and uses it again once a channel is free', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'alpha', 1_000, { maxChannels: 2 }), await carrier(r, 'beta', 2_000)];
    const first = await r.account(1_000);
    const second = await r.account(1_000);
    for (const number of [SOURCE, OTHER_SOURCE]) r.sim.setPhone(number, { kind: 'answer' });
    for (const number of [DESTINATION, OTHER_DESTINATION]) r.sim.setPhone(number, { kind: 'answer', hangupAfterMs: 30_000 });

    // Two calls at once: alpha's two channels go to the first call's A and B, so the second call goes through beta.
    const one = await r.engine.order({ accountId: first.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(async () => (await r.store.legs.listForRequest(one.request.id)).length === 2, 'the first call has both legs');
    const two = await r.engine.order({ accountId: second.id, source: OTHER_SOURCE, destination: OTHER_DESTINATION });
    await Promise.all([r.finish(one.request.id), r.finish(two.request.id)]);
    expect((await tries(r, one.request.id, carriers)).map(([role, , name]) => [role, name])).toEqual([
      ['A', 'alpha'],
      ['B', 'alpha'],
    ]);
    expect((await tries(r, two.request.id, carriers)).map(([role, , name]) => [role, name])).toEqual([
      ['A', 'beta'],
      ['B', 'beta'],
    ]);

    // Both channels free again: the next call is alpha's.
    const three = await r.engine.order({ accountId: first.id, source: SOURCE, destination: DESTINATION });
    await r.finish(three.request.id);
    expect((await tries(r, three.request.id, carriers)).map(([, , name]) => name)).toEqual(['alpha', 'alpha']);
  });

  itWith(testRedis(), 'holds a carrier to its channels across two controllers counting in one Redis: the second one\'s call goes through the next carrier', async (url) => {
    const redis = { url, prefix: uniquePrefix() };
    redisUsed.push(redis);
    // Each controller with its own queue, FreeSWITCH node and clock; the database and Redis are shared.
    const memory: QueueSettings = { driver: 'memory' };
    const first = await start({ redis, queue: memory });
    const second = (other = await startRig({ redis, queue: memory }));
    const carriers = [await carrier(first, 'alpha', 1_000, { maxChannels: 2 }), await carrier(first, 'beta', 2_000)];
    const accounts = [await first.account(1_000), await first.account(1_000)] as const;
    for (const r of [first, second]) {
      for (const number of [SOURCE, OTHER_SOURCE]) r.sim.setPhone(number, { kind: 'answer' });
      for (const number of [DESTINATION, OTHER_DESTINATION]) r.sim.setPhone(number, { kind: 'answer', hangupAfterMs: 30_000 });
    }

    // The first controller's call holds both of alpha's channels while the second one's is placed.
    const one = await first.engine.order({ accountId: accounts[0].id, source: SOURCE, destination: DESTINATION });
    await first.runUntil(async () => (await first.store.legs.listForRequest(one.request.id)).length === 2, 'the first call has both legs');
    const two = await second.engine.order({ accountId: accounts[1].id, source: OTHER_SOURCE, destination: OTHER_DESTINATION });
    await second.finish(two.request.id);
    await first.finish(one.request.id);
    expect((await tries(first, one.request.id, carriers)).map(([role, , name]) => [role, name])).toEqual([
      ['A', 'alpha'],
      ['B', 'alpha'],
    ]);
    expect((await tries(second, two.request.id, carriers)).map(([role, , name]) => [role, name])).toEqual([
      ['A', 'beta'],
      ['B', 'beta'],
    ]);

    // The first call's end gave its channels back in Redis: the second controller's next call is alpha's.
    const three = await second.engine.order({ accountId: accounts[1].id, source: OTHER_SOURCE, destination: OTHER_DESTINATION });
    await second.finish(three.request.id);
    expect((await tries(second, three.request.id, carriers)).map(([, , name]) => name)).toEqual(['alpha', 'alpha']);
  });

  it('holds a carrier to its calls per second: calls placed in the same instant spill over to the next carrier', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'alpha', 1_000, { maxCps: 1 }), await carrier(r, 'beta', 2_000)];
    const first = await r.account(1_000);
    const second = await r.account(1_000);
    for (const number of [DESTINATION, OTHER_DESTINATION]) r.sim.setPhone(number, { kind: 'answer', hangupAfterMs: 5_000 });
    const orders = await Promise.all([
      r.engine.order({ accountId: first.id, source: SOURCE, destination: DESTINATION }),
      r.engine.order({ accountId: second.id, source: OTHER_SOURCE, destination: OTHER_DESTINATION }),
    ]);
    await Promise.all(orders.map((o) => r.finish(o.request.id)));
    const legsA = await Promise.all(orders.map(async (o) => (await tries(r, o.request.id, carriers)).filter(([role]) => role === 'A').map(([, , name]) => name)));
    expect(legsA.flat().sort()).toEqual(['alpha', 'beta']);
  });

  it('records on each try the caller ID its carrier sent: a fixed carrier\'s own number, none when it withholds it', async () => {
    const r = await start();
    const fixed = '+12025550999' as E164;
    const carriers = [await carrier(r, 'alpha', 1_000, { callerIdMode: 'fixed', callerIdNumber: fixed }), await carrier(r, 'beta', 2_000, { callerIdMode: 'anonymous' })];
    r.sim.setGatewayDown('gw-alpha');
    const account = await r.account(1_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.finish(request.id);

    const legs = await r.store.legs.listForRequest(request.id);
    const names = new Map(carriers.map((c) => [c.id, c.name]));
    expect(legs.map((leg) => [leg.role, leg.carrierId === null ? null : names.get(leg.carrierId), leg.callerId])).toEqual([
      ['A', 'alpha', fixed],
      ['A', 'beta', null],
      ['B', 'alpha', fixed],
      ['B', 'beta', null],
    ]);
  });

  it('leaves out a carrier whose connection fee makes a short call lose, and one whose rates are in another currency than the tariff', async () => {
    // Sold on +1 at 0.8 and 1 minor unit a minute by the whole minute: alpha's fee of 1 on its own 1 is above either.
    const r = await start();
    const carriers = [
      await carrier(r, 'alpha', 1_000, {}, { connectionFeeMinor: minorUnits(1) }),
      await carrier(r, 'gamma', 500, { currency: 'EUR' }),
      await carrier(r, 'beta', 2_000),
    ];
    const account = await r.account(1_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.finish(request.id);
    expect((await tries(r, request.id, carriers)).map(([role, , name, state]) => [role, name, state])).toEqual([
      ['A', 'beta', 'completed'],
      ['B', 'beta', 'completed'],
    ]);
  });

  it('routes an account\'s calls by its own policy: priority first while the system says cheapest', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'alpha', 1_000, { priority: 20 }), await carrier(r, 'beta', 2_000, { priority: 5 })];
    const byPriority = await r.account(1_000, { settings: { routingPolicy: 'priority' } });
    const bySystem = await r.account(1_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    const own = await r.engine.order({ accountId: byPriority.id, source: SOURCE, destination: DESTINATION });
    await r.finish(own.request.id);
    const system = await r.engine.order({ accountId: bySystem.id, source: SOURCE, destination: DESTINATION });
    await r.finish(system.request.id);

    expect((await tries(r, own.request.id, carriers)).map(([role, , name]) => [role, name])).toEqual([
      ['A', 'beta'],
      ['B', 'beta'],
    ]);
    expect((await tries(r, system.request.id, carriers)).map(([role, , name]) => [role, name])).toEqual([
      ['A', 'alpha'],
      ['B', 'alpha'],
    ]);
  });

  it('routes an order by its own routing policy, over its account\'s and the system\'s', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'alpha', 1_000, { priority: 20 }), await carrier(r, 'beta', 2_000, { priority: 5 })];
    const account = await r.account(1_000, { settings: { routingPolicy: 'cheapest' } });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, routingPolicy: 'priority' });
    await r.finish(request.id);
    expect((await tries(r, request.id, carriers)).map(([role, , name]) => [role, name])).toEqual([
      ['A', 'beta'],
      ['B', 'beta'],
    ]);
  });

  it('routes a request recovered after its controller died by the policy its order chose, not the system\'s', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'alpha', 1_000, { priority: 20 }), await carrier(r, 'beta', 2_000, { priority: 5 })];
    const account = await r.account(1_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });
    // Ordered far ahead (so nothing dials it), then claimed by an instance that died before dialing.
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, routingPolicy: 'priority', dueAt: r.clock.now() + 3_600_000 });
    await getDb()('callback_requests').where({ id: request.id }).update({ due_at: r.clock.now() });
    const due = (await r.store.callbackRequests.findById(request.id))!;
    expect(await claimForDial(getDb(), due, DUE_STATES, 'dialing_a', { now: r.clock.now(), instanceId: 'dead-controller', leaseMs: 60_000 })).toBe(true);
    await getDb()('callback_requests').where({ id: request.id }).update({ lease_until: r.clock.now() - 1 });

    expect(await r.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    expect(await r.finish(request.id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect((await tries(r, request.id, carriers)).map(([role, , name]) => [role, name])).toEqual([
      ['A', 'beta'],
      ['B', 'beta'],
    ]);
  });

  it('lets an account that allows loss calls use a carrier the system would skip as losing money', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'alpha', 1_000, {}, { connectionFeeMinor: minorUnits(1) }), await carrier(r, 'beta', 2_000)];
    const account = await r.account(1_000, { settings: { allowLossCalls: true } });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.finish(request.id);
    expect((await tries(r, request.id, carriers)).map(([role, , name, state]) => [role, name, state])).toEqual([
      ['A', 'alpha', 'completed'],
      ['B', 'alpha', 'completed'],
    ]);
  });

  it('puts the legs of an access number\'s callbacks on its own server, and ignores one naming no node', async () => {
    const r = await start({ nodes: 2 });
    await carrier(r, 'alpha', 1_000);
    const account = await r.account(1_000);
    const onFs2 = freshDid();
    const onNoNode = freshDid();
    await r.store.accessNumbers.create({ did: onFs2, authMode: 'ani', settings: { callbackServer: 'fs2' } });
    await r.store.accessNumbers.create({ did: onNoNode, authMode: 'ani', settings: { callbackServer: 'fs9' } });
    for (const sim of r.sims) sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    /** The node (simulator) each leg's channel was on. */
    const nodesOf = async (did: E164): Promise<string[]> => {
      const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, accessNumber: did });
      await r.finish(request.id);
      const legs = await r.store.legs.listForRequest(request.id);
      return legs.map((leg) => `fs${r.sims.findIndex((sim) => sim.channel(leg.uuid) !== undefined) + 1}`);
    };
    expect(await nodesOf(onFs2)).toEqual(['fs2', 'fs2']);
    expect(await nodesOf(onNoNode)).toEqual(['fs1', 'fs1']);
  });

  it('moves a leg\'s hold to the row of the try that carries it, so a recovery after a crash finds it there', async () => {
    const r = await start();
    const carriers = [await carrier(r, 'alpha', 1_000), await carrier(r, 'beta', 2_000)];
    r.sim.setGatewayDown('gw-alpha');
    const account = await r.account(1_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 60_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(async () => (await r.store.callbackRequests.findById(request.id))?.state === 'bridged', 'the talk');
    const legs = await r.store.legs.listForRequest(request.id);
    const carrying = legs.filter((leg) => leg.carrierId === carriers[1]!.id).map((leg) => leg.uuid);
    const held = await r.store.reservations.listHeld({ requestId: request.id });
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((hold) => hold.legUuid !== null && carrying.includes(hold.legUuid))).toBe(true);
    // The failed tries' rows hold nothing.
    expect(legs.filter((leg) => leg.carrierId === carriers[0]!.id).map((leg) => leg.reservedMinor)).toEqual([null, null]);

    await r.finish(request.id);
    expect(await r.store.reservations.listHeld({ requestId: request.id })).toEqual([]);
    const settled = await Promise.all(carrying.map((uuid) => r.store.reservations.findSettledForLeg(uuid)));
    expect(settled.every((hold) => hold !== null)).toBe(true);
  });
});
