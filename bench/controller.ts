import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { seedDemo } from '../db/seeds/demo';
import { CallbackEngine, defaultRouting, poolTelephony, type OriginateOptions } from '../lib/callback/engine';
import { processRuns } from '../lib/callback/engine/instance-id';
import { defaultSettings, type QueueSettings } from '../lib/config';
import { databaseSchema } from '../lib/config/database-schema';
import { minorUnits } from '../lib/domain/money';
import type { OriginateRequest } from '../lib/esl/dial-string';
import { InboundClient } from '../lib/esl/inbound-client';
import { NodePool } from '../lib/esl/node-pool';
import { OutboundServer } from '../lib/esl/outbound-server';
import type { EslEvent } from '../lib/esl/wire';
import { ownString } from '../lib/esl/wire/own-string';
import { Writable } from 'node:stream';
import { createLogger, testLogger, type Logger } from '../lib/log/logger';
import { createScheduler, type Scheduler } from '../lib/scheduler';
import { createStore } from '../lib/store';
import { migrateToLatest, openDatabase } from '../lib/store/database';
import { carrierLimiterFor } from '../lib/service/carrier-limiter';
import { socketPeerPolicy } from '../lib/service/socket-peers';
import { systemClock } from '../lib/time/clock';
import { benchDatabaseName, dropStaleBenchDatabases } from './bench-databases';
import { CommandWaits } from './command-waits';
import { isThisMachine } from './service-cpu';
import { waitFor } from './stats';

/**
 * The controller as the service assembles it (lib/service/start-service.ts): database, store,
 * inbound ESL client + node pool, outbound socket server, scheduler, callback engine, on the real
 * clock. Left out: HTTP, metrics, live fanout, webhooks, SMS (none of them is on a call's path
 * unless a client is subscribed). Hooks on the telephony record when each originate and each
 * `api` command leaves, and when each event arrives.
 */
export interface Controller {
  readonly engine: CallbackEngine;
  readonly scheduler: Scheduler;
  readonly db: Knex;
  /** Connections the database pool may open: the setting's default (database.pool.max); SQLite keeps one. */
  readonly poolMax: number;
  readonly accountIds: number[];
  /** How many times the scheduler handed each request to this process's engine to dial. */
  readonly dialed: Map<string, number>;
  /** performance.now() of the first originate per request (leg A, or the first of both in simultaneous mode). */
  readonly originateAt: Map<string, number>;
  /** performance.now() at which each CHANNEL_ANSWER reached the inbound client, by leg uuid. */
  readonly answeredAt: Map<string, number>;
  /** [leg A, leg B, performance.now()] of every uuid_bridge sent. */
  readonly bridges: [string, string, number][];
  /** How long the inbound connection's commands waited to be written and for their replies. */
  readonly commandWaits: CommandWaits;
  stop(): Promise<void>;
}

export interface ControllerOptions {
  simPort: number;
  database: 'sqlite' | 'mariadb';
  queue: QueueSettings;
  accounts: number;
}

/** What prepareBenchDatabase made: the accounts that order, and the operator's (for operator-paid calls). */
export interface BenchAccounts {
  accountIds: number[];
  operatorId: number;
}

/** A fresh database of the given kind, migrated and seeded, with its accounts, and the controller on it. */
export async function startController(options: ControllerOptions): Promise<Controller> {
  const { db, drop, poolMax } = await openBenchDatabase(options.database);
  try {
    const accounts = await prepareBenchDatabase(db, options.accounts);
    return await startControllerOn({ db, simPort: options.simPort, queue: options.queue, ...accounts, poolMax, cleanup: drop });
  } catch (error) {
    await drop();
    throw error;
  }
}

/** Migrates and seeds `db` and gives it `count` funded accounts and an operator account. */
export async function prepareBenchDatabase(db: Knex, count: number): Promise<BenchAccounts> {
  await migrateToLatest(db);
  await seedDemo(db);
  const store = createStore(db);
  const retail = await store.tariffs.findTariffByName('Demo retail');
  const callbackTariff = await store.tariffs.findTariffByName('Demo callback');
  if (!retail || !callbackTariff) throw new Error('demo tariffs missing');
  const accountIds: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const account = await store.accounts.create({
      name: `bench-${i}`,
      currency: 'USD',
      tariffId: retail.id,
      callbackTariffId: callbackTariff.id,
      country: 'US',
      maxConcurrentCallbacks: 1000,
    });
    await store.payments.record({ accountId: account.id, amountMinor: minorUnits(1_000_000_000), currency: account.currency, method: 'bench' });
    accountIds.push(account.id);
  }
  const operator = await store.accounts.create({ name: 'bench-operator', currency: 'USD', tariffId: retail.id, callbackTariffId: callbackTariff.id, country: 'US', creditLimitMinor: minorUnits(1_000_000_000) });
  return { accountIds, operatorId: operator.id };
}

/**
 * What a production controller logs (level info, JSON lines, the format of `env=production`),
 * built and written to a sink that drops it: its cost is part of a callback's. `LOG_TESTS=1`
 * prints the lines instead, at debug, as in the tests; `BENCH_LOG=silent` builds none, for an A/B
 * of what logging costs.
 */
function productionLikeLogger(): Logger {
  if (process.env.LOG_TESTS === '1') return testLogger();
  if (process.env.BENCH_LOG === 'silent') return createLogger({ level: 'info', format: 'json', silent: true });
  const sink = new Writable({ write: (_line: unknown, _encoding, done) => done() });
  return createLogger({ level: 'info', format: 'json', stream: sink });
}

/**
 * The controller on a prepared database (several processes may share one, each with its own
 * instance id, as an operator scales out); `cleanup` runs after it stops.
 */
export async function startControllerOn(
  options: BenchAccounts & { db: Knex; poolMax: number; simPort: number; queue: QueueSettings; instanceId?: string; cleanup?: () => Promise<void> },
): Promise<Controller> {
  const { db, accountIds } = options;
  const logger = productionLikeLogger();
  const instanceId = options.instanceId ?? `bench-${process.pid}`;
  const dialed = new Map<string, number>();

  const commandWaits = new CommandWaits();
  const client = new InboundClient({
    name: 'fs1',
    host: '127.0.0.1',
    port: options.simPort,
    password: 'ClueCon',
    logger,
    onCommandTiming: (timing) => commandWaits.record(timing),
  });
  const pool = new NodePool({ nodes: [{ client, maxChannels: 100_000, maxCps: 10_000 }], logger });
  const late: { engine?: CallbackEngine } = {};
  const server = await OutboundServer.listen({
    port: 0,
    logger,
    // As in the service: every session proves it is its channel before it is run.
    peers: socketPeerPolicy({ allowFrom: undefined, nodes: [{ host: '127.0.0.1', client }], clock: systemClock }),
    handler: (session) => {
      if (!late.engine) throw new Error('engine not started');
      return late.engine.handleSession(session);
    },
    onArrival: (uuid) => late.engine?.socketArriving(uuid) ?? (() => undefined),
  });
  const scheduler = createScheduler({
    settings: options.queue,
    db,
    logger,
    instanceId,
    dial: (request) => {
      dialed.set(request.id, (dialed.get(request.id) ?? 0) + 1);
      return engineOf().dial(request);
    },
    recover: (request) => engineOf().recover(request),
    firstState: (request) => engineOf().firstStateFor(request),
    owned: () => engineOf().owned(),
    onLeasesLost: (ids) => engineOf().leasesLost(ids),
    concurrency: defaultSettings().scheduler.dialConcurrency,
  });
  const engineOf = (): CallbackEngine => {
    if (!late.engine) throw new Error('engine not started');
    return late.engine;
  };
  const originateAt = new Map<string, number>();
  const answeredAt = new Map<string, number>();
  const bridges: [string, string, number][] = [];
  const telephony = poolTelephony({ pool, clients: [client], socketAddress: server.address });
  client.on('event', (event: EslEvent) => {
    if (event.name === 'CHANNEL_ANSWER') {
      const uuid = event.headers.get('Unique-ID');
      // A string of its own: a slice of the event would keep its whole text, counted as the calls' heap.
      if (uuid) answeredAt.set(ownString(uuid), performance.now());
    }
  });
  // Carrier limits where the service counts them: in Redis when controllers share a Redis queue.
  const routing = defaultRouting();
  const carrierLimits = carrierLimiterFor({ queue: options.queue, routing: routing.settings }, { clock: systemClock, logger });
  const engine = new CallbackEngine({
    db,
    logger,
    settings: { ...defaultSettings().callback, maxConcurrentPerAccount: 100 },
    routing: { ...routing, limits: carrierLimits },
    maxLateSockets: defaultSettings().socketServer.maxLateSockets,
    socketsTakenIn: () => server.drained(),
    telephony: {
      ...telephony,
      originate: (request: OriginateRequest, originateOptions?: OriginateOptions) => {
        const id = request.variables?.callback_request_id;
        if (typeof id === 'string' && !originateAt.has(id)) originateAt.set(id, performance.now());
        return telephony.originate(request, originateOptions);
      },
      api: (node, command) => {
        if (command.startsWith('uuid_bridge ')) {
          const [, a, b] = command.split(' ');
          bridges.push([a ?? '', b ?? '', performance.now()]);
        }
        return telephony.api(node, command);
      },
    },
    scheduler,
    operatorCallbackAccountId: options.operatorId,
    instanceId,
    promptsDir: '/prompts',
  });
  late.engine = engine;
  client.start();
  await waitFor(() => client.state === 'ready', 'inbound client ready', 10_000);
  await scheduler.start();

  return {
    engine,
    scheduler,
    db,
    poolMax: options.poolMax,
    accountIds,
    dialed,
    originateAt,
    answeredAt,
    bridges,
    commandWaits,
    async stop() {
      // As the service stops: no new dials, then the calls handed over (their leases released and
      // kept no longer) before the database goes; closing the engine alone left every call's lease
      // keeper renewing into a destroyed pool ("lease renewal failed", 49-1,143 per 10,000-call run).
      await scheduler.stop();
      await engine.stop({ talksOutliveUs: true, graceMs: 0 });
      await carrierLimits?.close();
      pool.close();
      await Promise.race([Promise.all([client.close(), server.close()]), new Promise((resolve) => setTimeout(resolve, 3_000))]);
      await options.cleanup?.();
    },
  };
}

/** A fresh SQLite file (WAL) in a temporary directory, or a fresh MariaDB database on TEST_MYSQL_URL (and its URL, for other processes). */
export async function openBenchDatabase(kind: 'sqlite' | 'mariadb'): Promise<{ db: Knex; poolMax: number; drop: () => Promise<void>; url?: string }> {
  if (kind === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'callback-bench-'));
    const db = openDatabase({ client: 'sqlite', filename: join(directory, 'bench.db') });
    return {
      db,
      poolMax: 1,
      drop: async () => {
        await db.destroy();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  }
  const serverUrl = process.env.TEST_MYSQL_URL;
  if (!serverUrl) throw new Error('TEST_MYSQL_URL is not set');
  const name = benchDatabaseName(process.pid, Date.now());
  const at = (database: string): string => databaseUrl(serverUrl, database);
  const admin = openServerAdmin(serverUrl);
  await admin.raw('CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', [name]);
  // The pool the service would open: the settings' own default, not a figure of the bench's;
  // `BENCH_POOL_MAX=N` opens another size, for an A/B of database.pool.max.
  const poolMax = process.env.BENCH_POOL_MAX;
  const settings = databaseSchema.parse({ client: 'mysql', url: at(name), ...(poolMax === undefined ? {} : { pool: { max: Number(poolMax) } }) });
  if (settings.client !== 'mysql') throw new Error('expected MySQL settings');
  const db = openDatabase(settings);
  return {
    db,
    poolMax: settings.pool.max,
    url: at(name),
    drop: async () => {
      await db.destroy();
      await admin.raw('DROP DATABASE IF EXISTS ??', [name]);
      await admin.destroy();
    },
  };
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A connection of one to the server of `serverUrl`, in no database: for the bench's own housekeeping. */
export function openServerAdmin(serverUrl: string): Knex {
  return openDatabase({ client: 'mysql', url: databaseUrl(serverUrl, ''), pool: { min: 0, max: 1 } });
}

/** How old a bench database on another host's server must be to be taken for a killed run's. */
const STALE_ELSEWHERE_MS = 60 * 60 * 1000;

/** Drops the databases killed bench runs left on the server of `serverUrl` (bench-databases.ts); answers their names. */
export async function dropStaleBenchDatabasesOn(serverUrl: string): Promise<string[]> {
  const admin = openServerAdmin(serverUrl);
  try {
    const alive = isThisMachine(new URL(serverUrl).hostname) ? processRuns : undefined;
    return await dropStaleBenchDatabases(admin, { nowMs: Date.now(), alive, maxAgeMs: STALE_ELSEWHERE_MS });
  } finally {
    await admin.destroy();
  }
}
