import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { seedDemo } from '../../db/seeds/demo';
import { CallbackEngine, isCallbackLeg, poolTelephony, type CallbackEngineOptions, type DestinationAsker, type RequestChange } from '../../lib/callback/engine';
import { defaultSettings, type CallbackSettings, type QueueSettings } from '../../lib/config';
import { minorUnits } from '../../lib/domain/money';
import type { CallSession } from '../../lib/esl/call-session';
import { InboundClient } from '../../lib/esl/inbound-client';
import { NodePool } from '../../lib/esl/node-pool';
import { OutboundServer } from '../../lib/esl/outbound-server';
import { testLogger, type Logger } from '../../lib/log/logger';
import { createScheduler, type Scheduler } from '../../lib/scheduler';
import { FreeswitchSimulator } from '../../lib/simulator';
import { createStore, type Account, type Store } from '../../lib/store';
import type { Engine as DatabaseEngine } from '../support/databases';
import { SteppingClock } from '../support/engine-harness';
import { deletePrefix } from '../scheduler/support';
import { accountWithBalance } from '../store/fixtures';

/*
 * The engine rig of spec/support/engine-harness.ts, with what an access call needs on top: the
 * outbound server routes sessions without `callback_request_id` to a handler of the test's
 * choosing (the access-number handler), and the engine takes a DestinationAsker (the leg-A IVR).
 * The shared harness builds its server with the engine's handler only, hence this copy.
 *
 * "Quiet" also counts database queries in flight: the access handler's and the IVR's store work
 * is not engine work, and on MariaDB a query outlasts a few event-loop ticks.
 */

export interface AccessRigOptions {
  callback?: Partial<CallbackSettings>;
  askDestination?: DestinationAsker;
  engine?: Partial<Pick<CallbackEngineOptions, 'askAgainAfterTalk' | 'askAgainOnFailure' | 'setupAllowanceSeconds'>>;
}

export interface AccessRigDeps {
  readonly store: Store;
  readonly engine: CallbackEngine;
  readonly settings: CallbackSettings;
  readonly clock: SteppingClock;
  readonly logger: Logger;
  readonly operatorCallbackAccountId: number;
}

export interface AccessRig extends AccessRigDeps {
  readonly sim: FreeswitchSimulator;
  readonly scheduler: Scheduler;
  readonly socket: { host: string; port: number };
  readonly requests: RequestChange[];
  /** Sessions that reached the non-callback handler. */
  readonly accessSessions: CallSession[];
  setAccessHandler(handler: (session: CallSession) => Promise<void>): void;
  account(balance: number, overrides?: Partial<Parameters<Store['accounts']['create']>[0]>): Promise<Account>;
  runUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs?: number): Promise<void>;
  /** Lets the system go quiet without moving the clock. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_STEP_MS = 1_000;
const SWEEP_EVERY_MS = 10_000;
const QUIET_TICKS = 6;

function queueSettings(engine: DatabaseEngine): QueueSettings {
  const url = process.env.TEST_REDIS_URL;
  if (engine === 'mariadb' && url) return { driver: 'redis', url, prefix: `cbaccess-${process.pid}-${randomBytes(4).toString('hex')}` };
  return { driver: 'memory' };
}

const realTick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

interface QueryInfo {
  __knexQueryUid?: string;
  sql?: string;
}

/** Knex reports no response for transaction control (COMMIT), so only statements are waited for. */
const CONTROL = /^\s*(begin|commit|rollback|savepoint|release)/i;

function queryCounter(db: Knex): { readonly inFlight: () => number; readonly seen: () => number; detach(): void } {
  const pending = new Set<string>();
  let seen = 0;
  const started = (query: QueryInfo): void => {
    seen += 1;
    if (query.__knexQueryUid && !CONTROL.test(query.sql ?? '')) pending.add(query.__knexQueryUid);
  };
  const ended = (_result: unknown, query: QueryInfo): void => {
    seen += 1;
    if (query.__knexQueryUid) pending.delete(query.__knexQueryUid);
  };
  db.on('query', started);
  db.on('query-response', ended);
  db.on('query-error', ended);
  return {
    inFlight: () => pending.size,
    seen: () => seen,
    detach() {
      db.removeListener('query', started);
      db.removeListener('query-response', ended);
      db.removeListener('query-error', ended);
    },
  };
}

export async function startAccessRig(db: Knex, dbEngine: DatabaseEngine, options: AccessRigOptions = {}): Promise<AccessRig> {
  const clock = new SteppingClock();
  const logger = testLogger();
  const store = createStore(db, () => clock.now());
  const queries = queryCounter(db);
  await seedDemo(db);
  const retail = await store.tariffs.findTariffByName('Demo retail');
  const callbackTariff = await store.tariffs.findTariffByName('Demo callback');
  if (!retail || !callbackTariff) throw new Error('demo tariffs missing');
  const tariffs = { tariffId: retail.id, callbackTariffId: callbackTariff.id, country: 'US' };
  const operator = await accountWithBalance(store, 0, { ...tariffs, creditLimitMinor: minorUnits(1_000_000) });

  const sim = await FreeswitchSimulator.start({ eslPort: 0, clock, gateways: ['carrier'], logger });
  let wireActivity = 0;
  sim.on('command', () => void (wireActivity += 1));
  sim.on('event', () => void (wireActivity += 1));

  const client = new InboundClient({ name: 'fs1', host: '127.0.0.1', port: sim.eslPort, password: 'ClueCon', logger, clock, random: () => 0 });
  const pool = new NodePool({ nodes: [{ client, maxChannels: 1000, maxCps: 1000 }], logger, clock });
  const late: { engine?: CallbackEngine; access?: (session: CallSession) => Promise<void> } = {};
  const accessSessions: CallSession[] = [];
  const server = await OutboundServer.listen({
    port: 0,
    logger,
    clock,
    handler: (session) => {
      if (isCallbackLeg(session)) return required(late.engine, 'engine').handleSession(session);
      accessSessions.push(session);
      return required(late.access, 'access handler')(session);
    },
  });
  const settings: CallbackSettings = { ...defaultSettings().callback, maxRetries: 0, waitTimeSeconds: 30, ...options.callback };
  const queue = queueSettings(dbEngine);
  const scheduler = createScheduler({
    settings: queue,
    db,
    clock,
    logger,
    instanceId: 'access-test',
    dial: (request) => required(late.engine, 'engine').dial(request),
    recover: (request) => required(late.engine, 'engine').recover(request),
    firstState: (request) => required(late.engine, 'engine').firstStateFor(request),
    sweepCron: null,
  });
  const engine = new CallbackEngine({
    db,
    logger,
    clock,
    settings,
    telephony: poolTelephony({ pool, clients: [client], socketAddress: server.address, gateway: 'carrier' }),
    scheduler,
    operatorCallbackAccountId: operator.id,
    instanceId: 'access-test',
    promptsDir: '/prompts',
    ...(options.askDestination ? { askDestination: options.askDestination } : {}),
    ...options.engine,
  });
  late.engine = engine;
  const requests: RequestChange[] = [];
  engine.on('request', (change) => requests.push(change));

  let lastSweep = clock.now();
  const settle = async (): Promise<void> => {
    let unchanged = 0;
    let seen = -1;
    while (unchanged < QUIET_TICKS) {
      await realTick();
      const now = engine.activity * 1_000_003 + wireActivity * 1_009 + queries.seen();
      if (now === seen && engine.busy === 0 && queries.inFlight() === 0) unchanged += 1;
      else unchanged = 0;
      seen = now;
    }
  };
  const runUntil = async (condition: () => boolean | Promise<boolean>, what: string, limitMs = 900_000): Promise<void> => {
    const until = clock.now() + limitMs;
    const startedReal = Date.now();
    for (;;) {
      await settle();
      if (await condition()) return;
      if (clock.now() >= until) throw new Error(`${what}: not reached within ${limitMs} simulated ms`);
      if (Date.now() - startedReal > 30_000) throw new Error(`${what}: not reached within 30 s of real time`);
      const next = clock.nextDeadline();
      const step = next === undefined ? MAX_STEP_MS : Math.min(MAX_STEP_MS, Math.max(0, next - clock.now()));
      await clock.advance(step);
      if (clock.now() - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = clock.now();
        await scheduler.sweep(clock.now());
      }
    }
  };

  client.start();
  await runUntil(() => client.state === 'ready', 'inbound client ready');
  await scheduler.start();
  const address = server.address;

  return {
    store,
    engine,
    settings,
    clock,
    logger,
    operatorCallbackAccountId: operator.id,
    sim,
    scheduler,
    socket: { host: address.host, port: address.port },
    requests,
    accessSessions,
    setAccessHandler: (handler) => void (late.access = handler),
    account: (balance, overrides = {}) => accountWithBalance(store, balance, { ...tariffs, ...overrides }),
    runUntil,
    settle,
    async stop() {
      engine.close();
      await scheduler.stop();
      pool.close();
      const closing = Promise.all([client.close(), server.close()]);
      let closed = false;
      void closing.then(() => (closed = true));
      for (let i = 0; i < 200 && !closed; i += 1) {
        await realTick();
        await clock.advance(100);
      }
      await sim.stop();
      queries.detach();
      if (queue.driver === 'redis') {
        const redis = new Redis(queue.url, { maxRetriesPerRequest: 3 });
        await deletePrefix(redis, queue.prefix);
        redis.disconnect();
      }
    },
  };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} not set`);
  return value;
}
