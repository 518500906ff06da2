import { shippedPromptFiles } from './prompt-files';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { seedDemo } from '../../db/seeds/demo';
import { CallbackEngine, defaultRouting, isCallbackLeg, poolTelephony, type CallbackEngineOptions, type DestinationAsker, type LegChange, type RequestChange } from '../../lib/callback/engine';
import { defaultSettings, type CallbackSettings, type QueueSettings } from '../../lib/config';
import type { SystemSettings } from '../../lib/settings';
import { minorUnits } from '../../lib/domain/money';
import type { E164 } from '../../lib/domain/phone-number';
import type { CallSession } from '../../lib/esl/call-session';
import { InboundClient } from '../../lib/esl/inbound-client';
import { NodePool } from '../../lib/esl/node-pool';
import { OutboundServer } from '../../lib/esl/outbound-server';
import { testLogger, type Logger } from '../../lib/log/logger';
import { createScheduler, type Scheduler } from '../../lib/scheduler';
import { FreeswitchSimulator, type SimulatorOptions } from '../../lib/simulator';
import { createStore, type Account, type CallbackRequest, type Store } from '../../lib/store';
import { socketPeerPolicy } from '../../lib/service/socket-peers';
import { ManualClock, type TimerHandle } from '../../lib/time/clock';
import type { Engine as DatabaseEngine } from './databases';
import { deletePrefix } from '../scheduler/support';
import { accountWithBalance } from '../store/fixtures';

/**
 * The callback engine against the FreeSWITCH simulator on real TCP (inbound ESL client, node
 * pool, outbound socket server), the real scheduler and a real database: SQLite with the
 * in-process queue, or MariaDB with BullMQ on Redis.
 *
 * Time: one ManualClock drives the simulator's phones, the ESL timeouts, the scheduler's memory
 * queue and the engine's timers. `runUntil` lets the system go quiet (no engine work, no ESL
 * traffic, no database statement in flight), then jumps the clock to the next timer, so every
 * timer fires at its exact instant and nothing depends on how fast the machine is. Nothing
 * asserts on elapsed (real) time.
 *
 * Statements are waited for because work the engine tracks in the background (a leg being
 * followed marking its row answered) is not "busy": on a loaded MariaDB such a write outlasts a
 * few event-loop ticks, and a clock moved on meanwhile made a talk a second longer (billsec 31
 * for 30) or a hold read before its last change.
 */

/** A ManualClock that can tell when its next timer is due. */
export class SteppingClock extends ManualClock {
  private readonly deadlines = new Set<{ at: number; done: boolean }>();

  override setTimeout(callback: () => void, ms: number): TimerHandle {
    const entry = { at: this.now() + Math.max(0, ms), done: false };
    this.deadlines.add(entry);
    const handle = super.setTimeout(() => {
      entry.done = true;
      this.deadlines.delete(entry);
      callback();
    }, ms);
    return {
      cancel: () => {
        entry.done = true;
        this.deadlines.delete(entry);
        handle.cancel();
      },
    };
  }

  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const entry of this.deadlines) if (!entry.done && (next === undefined || entry.at < next)) next = entry.at;
    return next;
  }
}

export const SOURCE = '+12025550101' as E164;
export const DESTINATION = '+12025550202' as E164;
export const PROMPTS_DIR = '/prompts';

export interface RigOptions {
  callback?: Partial<CallbackSettings>;
  engine?: Partial<
    Pick<CallbackEngineOptions, 'promptFiles' | 'warningSecondsBefore' | 'setupAllowanceSeconds' | 'hangupCompleteWaitMs' | 'askAgainAfterTalk' | 'askAgainOnFailure' | 'onTalk' | 'routing'>
  >;
  simulator?: Partial<SimulatorOptions>;
  /** Leg A's destination step (the leg-A IVR); the engine's digits-only stub otherwise. */
  askDestination?: DestinationAsker;
  /**
   * Outbound-socket sessions without `callback_request_id` (calls to an access number) go to
   * this handler, settable later with `setSessionHandler`; without one they go to the engine.
   */
  sessionHandler?: (session: CallSession) => Promise<void>;
  /** How many event-loop ticks without any activity make "quiet" (default QUIET_TICKS). */
  quietTicks?: number;
  /** The dial queue, instead of the one the database engine implies (a test's own Redis). */
  queue?: QueueSettings;
  /** FreeSWITCH nodes: one simulator each, named fs1, fs2… (default 1). */
  nodes?: number;
  /** Where node `index`'s inbound client connects instead of its simulator's port (a proxy a test can cut). */
  eslPortOf?: (simulatorPort: number, index: number) => Promise<number>;
  /** The rig's clock, made beforehand by a test that gives it to parts it builds itself (a shared carrier limiter). */
  clock?: SteppingClock;
  /** For a test that reads the log (a recording logger); silent by default. */
  logger?: Logger;
}

export interface EngineRig {
  readonly clock: SteppingClock;
  readonly settings: CallbackSettings;
  /** What overrides resolve against: `settings`, the engine's routing policy and the nodes fs1, fs2… */
  readonly system: SystemSettings;
  readonly logger: Logger;
  /** The outbound socket server's address. */
  readonly socket: { host: string; port: number };
  /** Sessions that reached `sessionHandler`. */
  readonly otherSessions: CallSession[];
  setSessionHandler(handler: (session: CallSession) => Promise<void>): void;
  /** Lets the system go quiet without moving the clock. */
  settle(): Promise<void>;
  readonly sim: FreeswitchSimulator;
  /** Every node's simulator (sims[0] is `sim`) and inbound client, in node order. */
  readonly sims: readonly FreeswitchSimulator[];
  readonly clients: readonly InboundClient[];
  readonly pool: NodePool;
  readonly engine: CallbackEngine;
  readonly scheduler: Scheduler;
  readonly store: Store;
  readonly requests: RequestChange[];
  readonly legs: LegChange[];
  readonly operatorAccountId: number;
  /** An account on the demo tariffs with `balance` minor units paid in. */
  account(balance: number, overrides?: Partial<Parameters<Store['accounts']['create']>[0]>): Promise<Account>;
  /** Steps time (see above) until `condition` holds. */
  runUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs?: number): Promise<void>;
  /** Until the request ended and every leg of it is settled. */
  finish(requestId: string, limitMs?: number): Promise<CallbackRequest>;
  stop(): Promise<void>;
}

const MAX_STEP_MS = 1_000;
/** Steps in a row that find a timer due at once before runUntil calls the clock stuck (a timer re-arming itself at 0 ms). */
const MAX_STALLED_STEPS = 10_000;
const SWEEP_EVERY_MS = 10_000;
const QUIET_TICKS = 4;

function queueSettings(engine: DatabaseEngine): QueueSettings {
  const url = process.env.TEST_REDIS_URL;
  if (engine === 'mariadb' && url) return { driver: 'redis', url, prefix: `cbengine-${process.pid}-${randomBytes(4).toString('hex')}` };
  if (engine === 'mariadb' && process.env.CI) throw new Error('TEST_REDIS_URL is not set: under CI the MariaDB run of the engine tests uses BullMQ on Redis.');
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

export async function startEngineRig(db: Knex, dbEngine: DatabaseEngine, options: RigOptions = {}): Promise<EngineRig> {
  const clock = options.clock ?? new SteppingClock();
  const logger = options.logger ?? testLogger();
  const store = createStore(db, () => clock.now());
  const queries = queryCounter(db);
  // Without the world rates: tests dial destinations outside the tariff to see them refused.
  await seedDemo(db, { worldRates: false });
  const retail = await store.tariffs.findTariffByName('Demo retail');
  const callbackTariff = await store.tariffs.findTariffByName('Demo callback');
  if (!retail || !callbackTariff) throw new Error('demo tariffs missing');
  const tariffs = { tariffId: retail.id, callbackTariffId: callbackTariff.id, country: 'US' };
  const operator = await accountWithBalance(store, 0, { ...tariffs, creditLimitMinor: minorUnits(1_000_000) });

  let wireActivity = 0;
  const sims: FreeswitchSimulator[] = [];
  const clients: InboundClient[] = [];
  for (let index = 0; index < (options.nodes ?? 1); index += 1) {
    const name = `fs${index + 1}`;
    const node = await FreeswitchSimulator.start({ eslPort: 0, clock, gateways: ['carrier'], logger, hostname: name, ...options.simulator });
    node.on('command', () => void (wireActivity += 1));
    node.on('event', () => void (wireActivity += 1));
    const port = options.eslPortOf ? await options.eslPortOf(node.eslPort, index) : node.eslPort;
    sims.push(node);
    clients.push(new InboundClient({ name, host: '127.0.0.1', port, password: 'ClueCon', logger, clock, random: () => 0 }));
  }
  const [sim] = sims;
  const [client] = clients;
  if (!sim || !client) throw new Error('an engine rig needs at least one node');
  const pool = new NodePool({ nodes: clients.map((node) => ({ client: node, maxChannels: 1000, maxCps: 1000 })), logger, clock });
  // The engine is built last (it needs the server's address and the scheduler), the handlers first.
  const late: { engine?: CallbackEngine } = {};
  const engineOf = (): CallbackEngine => {
    if (!late.engine) throw new Error('engine not started');
    return late.engine;
  };
  const otherSessions: CallSession[] = [];
  const handlers: { other?: (session: CallSession) => Promise<void> } = options.sessionHandler ? { other: options.sessionHandler } : {};
  const routeOthers = options.sessionHandler !== undefined;
  const server = await OutboundServer.listen({
    port: 0,
    logger,
    clock,
    // As in the service: only loopback peers, and each session proves it is its channel on a node.
    peers: socketPeerPolicy({ allowFrom: undefined, nodes: clients.map((node) => ({ host: '127.0.0.1', client: node })), clock }),
    handler: (session) => {
      if (!routeOthers || isCallbackLeg(session)) return engineOf().handleSession(session);
      otherSessions.push(session);
      if (!handlers.other) throw new Error('session handler not set');
      return handlers.other(session);
    },
    onArrival: (uuid) => late.engine?.socketArriving(uuid) ?? (() => undefined),
  });
  const settings: CallbackSettings = {
    ...defaultSettings().callback,
    maxRetries: 2,
    retryIntervalSeconds: 60,
    waitTimeSeconds: 30,
    busyIvr: 'ivr/busy',
    failedIvr: 'ivr/failed',
    ...options.callback,
  };
  const queue = options.queue ?? queueSettings(dbEngine);
  const scheduler = createScheduler({
    settings: queue,
    db,
    clock,
    logger,
    instanceId: 'engine-test',
    dial: (request) => engineOf().dial(request),
    recover: (request, lost) => engineOf().recover(request, lost),
    firstState: (request) => engineOf().firstStateFor(request),
    // As the service wires it: the heartbeat renews the leases of the engine's calls and tells it of lost ones.
    owned: () => engineOf().owned(),
    onLeasesLost: (ids) => engineOf().leasesLost(ids),
    // The rig sweeps on simulated time, as the cron would.
    sweepCron: null,
  });
  const routing = options.engine?.routing ?? defaultRouting();
  const running = new CallbackEngine({
    db,
    logger,
    clock,
    settings,
    telephony: poolTelephony({ pool, clients, socketAddress: server.address }),
    routing,
    socketsTakenIn: () => server.drained(),
    scheduler,
    operatorCallbackAccountId: operator.id,
    instanceId: 'engine-test',
    promptFiles: shippedPromptFiles(PROMPTS_DIR),
    ...(options.askDestination ? { askDestination: options.askDestination } : {}),
    ...options.engine,
  });
  late.engine = running;
  const requests: RequestChange[] = [];
  const legs: LegChange[] = [];
  running.on('request', (change) => requests.push(change));
  running.on('leg', (change) => legs.push(change));

  let lastSweep = clock.now();
  const quietTicks = options.quietTicks ?? QUIET_TICKS;
  const quiet = async (): Promise<void> => {
    let unchanged = 0;
    let seen = -1;
    while (unchanged < quietTicks) {
      await realTick();
      const now = running.activity * 1_000_003 + wireActivity * 1_009 + queries.seen();
      if (now === seen && running.busy === 0 && queries.inFlight() === 0) unchanged += 1;
      else unchanged = 0;
      seen = now;
    }
  };

  const runUntil = async (condition: () => boolean | Promise<boolean>, what: string, limitMs = 900_000): Promise<void> => {
    const until = clock.now() + limitMs;
    // Bounded by simulated time and by steps that do not move the clock, never by real time: a
    // loaded machine takes longer, it does not fail.
    let stalled = 0;
    for (;;) {
      await quiet();
      if (await condition()) return;
      if (clock.now() >= until) throw new Error(`${what}: not reached within ${limitMs} simulated ms`);
      const next = clock.nextDeadline();
      const step = next === undefined ? MAX_STEP_MS : Math.min(MAX_STEP_MS, Math.max(0, next - clock.now()));
      stalled = step === 0 ? stalled + 1 : 0;
      if (stalled > MAX_STALLED_STEPS) throw new Error(`${what}: not reached, and the clock is stuck at ${clock.now()} (a timer due at once, again and again)`);
      await clock.advance(step);
      if (clock.now() - lastSweep >= SWEEP_EVERY_MS) {
        lastSweep = clock.now();
        await scheduler.sweep(clock.now());
      }
    }
  };

  for (const node of clients) node.start();
  await runUntil(() => clients.every((node) => node.state === 'ready'), 'inbound clients ready');
  await scheduler.start();

  const { policy, allowLossCalls } = routing.settings;
  return {
    clock,
    settings,
    system: { callback: settings, routing: { policy, allowLossCalls }, nodes: clients.map((node) => node.name) },
    logger,
    socket: { host: server.address.host, port: server.address.port },
    otherSessions,
    setSessionHandler: (handler) => void (handlers.other = handler),
    settle: quiet,
    sim,
    sims,
    clients,
    pool,
    engine: running,
    scheduler,
    store,
    requests,
    legs,
    operatorAccountId: operator.id,
    account: (balance, overrides = {}) => accountWithBalance(store, balance, { ...tariffs, ...overrides }),
    runUntil,
    async finish(requestId, limitMs) {
      let request: CallbackRequest | null = null;
      await runUntil(
        async () => {
          request = await store.callbackRequests.findById(requestId);
          if (!request || !['completed', 'busy', 'no_answer', 'failed', 'cancelled'].includes(request.state)) return false;
          const legRows = await store.legs.listForRequest(requestId);
          return running.active === 0 && legRows.every((leg) => leg.endedAt !== null) && server.sessions.size === 0;
        },
        `request ${requestId} to end`,
        limitMs,
      );
      if (!request) throw new Error('request vanished');
      return request;
    },
    async stop() {
      running.close();
      await scheduler.stop();
      pool.close();
      const closing = Promise.all([...clients.map((node) => node.close()), server.close()]);
      let closed = false;
      void closing.then(() => (closed = true));
      for (let i = 0; i < 200 && !closed; i += 1) {
        await realTick();
        await clock.advance(100);
      }
      for (const node of sims) await node.stop();
      queries.detach();
      if (queue.driver === 'redis') {
        const redis = new Redis(queue.url, { maxRetriesPerRequest: 3 });
        await deletePrefix(redis, queue.prefix);
        redis.disconnect();
      }
    },
  };
}
