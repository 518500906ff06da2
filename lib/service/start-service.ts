import fs from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Router } from 'express';
import type { Knex } from 'knex';
import { seedDemo } from '../../db/seeds/demo';
import { accessCallHandler } from '../access';
import { systemSettingsOf } from '../settings';
import { CallbackEngine, poolTelephony } from '../callback/engine';
import { isCallbackLeg } from '../callback/engine/engine';
import { redactSettings, type Settings } from '../config';
import type { CallSession } from '../esl/call-session';
import { CdrReceiver, cdrOutcomeCounter, CDR_USER } from '../cdr';
import { FREESWITCH_CDR_PATH, freeswitchCdrRouter } from '../http/freeswitch-cdr';
import { API_PREFIX, apiRouter } from '../http/api/router';
import { createHttpApp } from '../http/app';
import { EventFanout } from '../http/live/fanout';
import { DEFAULT_LOGIN_LIMIT, portalRouter } from '../http/portal/router';
import { createHttpServer } from '../http/server';
import { StreamSlots } from '../http/live/stream-slots';
import { ownApiEndpoints } from '../http/webhooks/own-endpoints';
import { StatusWebhooks } from '../http/webhooks/status-webhooks';
import { webhookTargetPolicy, type OwnEndpoint } from '../http/webhooks/target-policy';
import { WebhookTargets, type HostResolver } from '../http/webhooks/webhook-targets';
import { sha256Hex } from '../store/secrets';
import type { ReadinessCheck } from '../http/health';
import type { Logger } from '../log/logger';
import { talkFeatures } from '../features';
import { faxDirOf, recordingsDirOf } from '../config/media-schema';
import { newInstanceId } from '../callback/engine/instance-id';
import { LegAIvr, PromptCatalogue, PromptFiles, readPromptList } from '../ivr';
import { databaseReadiness, eslReadiness, metricsRouter, redisReadiness, ServiceMetrics, timeOriginate, trackEngineEvents, trackEslClient } from '../metrics';
import { createScheduler, type Scheduler } from '../scheduler';
import { EVERY_SECOND_CRON } from '../scheduler/sweep-cron';
import { createStore, type Store } from '../store';
import { priceBookChangesOf } from '../store/price-book-changes';
import { migrateToLatest, openDatabase } from '../store/database';
import { systemClock, type Clock } from '../time/clock';
import { currentOpenFilesLimit, openFilesWarning } from './open-files-limit';
import { orderDemoCallback } from './demo-callback';
import { senderLimitOf, startSms } from './sms';
import { SIGN_UP_WINDOW_MS } from '../config/sign-up-schema';
import { CODES_PER_NUMBER_WINDOW_MS } from '../config/verification-schema';
import { operatorAccountId } from './operator-account';
import { startHousekeeping, storeHousekeepingTasks } from './housekeeping';
import { StopStack } from './stop-stack';
import { startTelephony, type Telephony } from './telephony';
import { seedCarriersFromNodes } from './legacy-gateways';
import { carrierLimiterFor } from './carrier-limiter';
import { startPriceBookSignal } from './price-book-signal';
import { listenOn } from './port-in-use';

export interface RunningService {
  readonly httpPort: number;
  readonly db: Knex;
  readonly telephony: Telephony;
  readonly engine: CallbackEngine;
  readonly scheduler: Scheduler;
  stop(): Promise<void>;
}

/** Parts a test replaces; production uses the real ones. */
export interface ServiceOverrides {
  /** How status webhook hosts are resolved (default: the system's resolver). */
  resolveHost?: HostResolver;
}

/**
 * Brings the service up in dependency order and returns a handle that takes it down in reverse.
 * Anything that fails half-way is stopped again, so a failed start leaves no open ports or pools.
 */
export async function startService(settings: Settings, logger: Logger, clock: Clock = systemClock, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const stops = new StopStack(logger);
  try {
    logger.info('starting', { settings: redactSettings(settings) });
    if (settings.freeswitch.mode === 'external') {
      const channels = settings.freeswitch.nodes.reduce((sum, node) => sum + node.maxChannels, 0);
      const tooFewFiles = openFilesWarning(currentOpenFilesLimit(), channels);
      if (tooFewFiles) logger.warn(tooFewFiles);
    }
    const instanceId = newInstanceId(hostname(), process.pid, randomUUID().slice(0, 8));
    const metrics = new ServiceMetrics();

    const db = openDatabase(settings.database);
    stops.push('database', () => db.destroy());
    const applied = await migrateToLatest(db);
    logger.info('database ready', { client: settings.database.client, migrationsApplied: applied });
    if (settings.env !== 'production') {
      const seeded = await seedDemo(db);
      if (seeded.created) logger.info('demo data created', { accountId: seeded.accountId });
    }

    // The engine and the socket server need each other: calls may reach the socket as soon as it
    // listens, and the engine needs the socket's address for its originates.
    const ref: { engine?: CallbackEngine; access?: (session: CallSession) => Promise<void> } = {};
    const store = createStore(db, () => clock.now());
    await seedCarriersFromNodes(store, settings.freeswitch.nodes, logger);
    const operatorId = await operatorAccountId(db);
    const telephony = await startTelephony(settings, {
      logger,
      clock,
      stops,
      handler: (session) => routeCall(session, ref, settings, logger),
      onArrival: (uuid) => ref.engine?.socketArriving(uuid) ?? (() => undefined),
    });
    telephony.clients.forEach((client) => trackEslClient(metrics, client));

    const scheduler = createScheduler({
      settings: settings.queue,
      db,
      logger,
      clock,
      instanceId,
      dial: (request) => running(ref.engine).dial(request),
      recover: (request, lost) => running(ref.engine).recover(request, lost),
      owned: () => ref.engine?.owned() ?? [],
      onLeasesLost: (ids) => ref.engine?.leasesLost(ids),
      leaseMs: settings.scheduler.leaseSeconds * 1000,
      concurrency: settings.scheduler.dialConcurrency,
      sweepCron: settings.scheduler.sweepCron,
      // Orders the CLI writes reach the in-process queue only through the database.
      pickupCron: settings.queue.driver === 'memory' ? EVERY_SECOND_CRON : null,
      firstState: (request) => running(ref.engine).firstStateFor(request),
    });
    const engineTelephony = poolTelephony({ pool: telephony.pool, clients: telephony.clients, socketAddress: telephony.socketAddress });
    // FreeSWITCH (or the simulator, on this host) writes recordings and faxes there.
    for (const dir of [recordingsDirOf(settings.media), faxDirOf(settings.media)]) {
      await fs.promises.mkdir(dir, { recursive: true }).catch((error: unknown) => logger.warn('media directory cannot be created here', { dir, error: String(error) }));
    }
    // One language lookup for every prompt: the IVR's, the engine's and the features' (#18 item 1).
    const promptFiles = new PromptFiles(settings.freeswitch.promptsDir, readPromptList(settings.freeswitch.promptsList, logger), settings.callback.language);
    if (settings.queue.driver === 'redis') {
      // Prices another controller or the CLI changes reach this one's price cache at once (billing.rateCacheSeconds is the fallback).
      const signal = { url: settings.queue.url, prefix: settings.queue.prefix, listen: true, logger: logger.child({ component: 'price-book' }) };
      stops.push('price book signal', await startPriceBookSignal(priceBookChangesOf(db), signal));
    }
    const carrierLimits = carrierLimiterFor(settings, { clock, logger });
    // Stopped after the engine (pushed before it), once its last leg gave its channel back.
    if (carrierLimits) stops.push('carrier limits', () => carrierLimits.close());
    const engine = new CallbackEngine({
      db,
      logger,
      settings: settings.callback,
      telephony: { ...engineTelephony, originate: (request, options) => timeOriginate(metrics, () => engineTelephony.originate(request, options), options?.node) },
      routing: { settings: settings.routing, limits: carrierLimits },
      maxLateSockets: settings.socketServer.maxLateSockets,
      socketsTakenIn: () => telephony.outbound.drained(),
      rateCacheSeconds: settings.billing.rateCacheSeconds,
      scheduler,
      operatorCallbackAccountId: operatorId,
      instanceId,
      clock,
      leaseMs: settings.scheduler.leaseSeconds * 1000,
      promptFiles,
      askDestination: new LegAIvr({ store, prompts: new PromptCatalogue(promptFiles), logger, now: () => clock.now() }),
      // C4: a subscriber who came through an access number is asked for the next destination after a talk.
      askAgainAfterTalk: (request) => request.trigger === 'access',
      // D1–D8: A's keypad during the talk.
      onTalk: talkFeatures({
        codes: settings.features.codes,
        interDigitMs: settings.features.interDigitMs,
        redialConfirmPrompt: settings.features.redialConfirmPrompt,
        faxPrompt: settings.features.faxPrompt,
        conferenceProfile: settings.features.conferenceProfile,
        ...(settings.features.consultHoldMusic ? { consultHoldMusic: settings.features.consultHoldMusic } : {}),
        recordingsDir: recordingsDirOf(settings.media),
        faxDir: faxDirOf(settings.media),
      }),
    });
    ref.engine = engine;
    ref.access = accessCallHandler({ store, engine, system: systemSettingsOf(settings), operatorCallbackAccountId: operatorId, clock, logger });
    // Runs after the scheduler stopped (no new dials), while FreeSWITCH and the database are still
    // reachable: talks are handed over (or, on the bundled simulator, ended and billed) first.
    stops.push('callback engine', () =>
      engine.stop({ talksOutliveUs: telephony.simulator === undefined, graceMs: settings.scheduler.stopGraceSeconds * 1000 }),
    );
    trackEngineEvents(metrics, engine);
    // The start-up sweep recovers what a dead instance left, which needs FreeSWITCH to answer:
    // give the nodes a few seconds to connect first (a node still down is retried by later sweeps).
    await Promise.all(telephony.clients.map((client) => client.ready({ timeoutMs: 5_000 }).catch(() => undefined)));
    await scheduler.start();
    stops.push('scheduler', () => scheduler.stop());
    metrics.setQueueSource(() => scheduler.counts());

    const sms = startSms(settings, { store, engine, clock, logger });
    stops.push('sms', async () => sms.stop());

    // One budget per account for the API and the portal, counted in the database.
    const orderLimit = { limit: settings.http.ordersPerAccount, windowMs: settings.http.orderWindowSeconds * 1000 };
    const housekeeping = startHousekeeping({
      clock,
      logger,
      tasks: storeHousekeepingTasks(store, {
        loginWindowMs: DEFAULT_LOGIN_LIMIT.windowMs,
        longestRateWindowMs: Math.max(senderLimitOf(settings.sms).windowMs, orderLimit.windowMs, CODES_PER_NUMBER_WINDOW_MS, SIGN_UP_WINDOW_MS),
        expiredClaimRetentionMs: settings.verification.expiredClaimRetentionDays * 86_400_000,
      }),
    });
    stops.push('housekeeping', () => housekeeping.stop());
    // The SMS backlog a stopped process left (unhandled commands, unsent replies): at once, then every minute.
    const smsBacklog = startHousekeeping({ clock, logger, tasks: [{ name: 'SMS backlog', run: () => sms.sweep() }], intervalMs: 60_000, runAtStart: true });
    stops.push('SMS backlog', () => smsBacklog.stop());

    // Live status: this instance's engine events, and through Redis every other instance's.
    const fanout = new EventFanout({ store, logger, ...(settings.queue.driver === 'redis' ? { redisUrl: settings.queue.url } : {}) });
    await fanout.start();
    stops.push('live events', () => fanout.close());
    fanout.attach(engine);

    if (!settings.security.webhookSecret) logger.warn('status webhooks are signed with a random key per process; set CALLBACK_SECURITY_WEBHOOK_SECRET so receivers can verify them');
    // Webhooks never reach our own API; with port 0 (tests) its port is known only once listening.
    const ownApi: OwnEndpoint[] = await ownApiEndpoints(settings.http, settings.http.port);
    const webhookTargets = new WebhookTargets({
      policy: webhookTargetPolicy({ allowPrivate: settings.http.webhookAllowPrivateTargets ?? [], ownEndpoints: () => ownApi }),
      clock,
      ...(overrides.resolveHost ? { resolve: overrides.resolveHost } : {}),
    });
    const webhooks = new StatusWebhooks({ store, clock, logger, targets: webhookTargets, secret: settings.security.webhookSecret ?? randomBytes(32).toString('hex') });
    const detachWebhooks = webhooks.attach(engine);
    stops.push('status webhooks', async () => {
      detachWebhooks();
      webhooks.close();
    });
    const cdrs = freeswitchCdrs(settings, { store, clock, logger, engine, scheduler, metrics });
    const operatorKeyHash = settings.security.operatorApiKey ? sha256Hex(settings.security.operatorApiKey) : undefined;
    // The API and the portal (which mounts the API too) see the same engine, limits and files.
    const webDependencies = {
      orderLimit,
      engine,
      db,
      logger,
      clock,
      fanout,
      defaultCountry: settings.callback.defaultCountry,
      system: systemSettingsOf(settings),
      mediaRoot: settings.media.root,
      webhookTargets,
      liveStreams: new StreamSlots({ perKey: settings.http.maxStreamsPerClient, total: settings.http.maxStreams }),
      // Codes for registered numbers leave through the SMS module's outbound queue.
      verification: sms.verification,
      apiKeyRotationGraceMs: settings.security.rotationGraceSeconds * 1000,
      ...(operatorKeyHash ? { operatorKeyHash } : {}),
    };
    const api = apiRouter(webDependencies);

    const readiness: ReadinessCheck[] = [databaseReadiness(db), ...telephony.clients.map(eslReadiness)];
    if (settings.queue.driver === 'redis') {
      const redis = redisReadiness(settings.queue.url);
      readiness.push(redis);
      stops.push('redis readiness', () => redis.close());
    }
    const portal = portalRouter({
      ...webDependencies,
      store,
      signUp: settings.signUp,
      ...(settings.http.publicUrl ? { publicUrl: settings.http.publicUrl } : {}),
    });
    const app = createHttpApp({
      logger,
      readiness,
      routers: [
        { path: FREESWITCH_CDR_PATH, router: cdrs.router, rawBody: true },
        { router: metricsRouter(metrics.registry) },
        { path: API_PREFIX, router: api },
        // Reads its own bodies with its own (smaller) limit: the app's 64 kB parser must not run first.
        { router: sms.router, rawBody: true },
        // Last: the portal serves `/` and its own pages.
        { router: portal },
      ],
    });
    const server = await listenOn(['http', 'port'], settings.http, () =>
      listen(createHttpServer(app, settings.http, { logger, clock }), settings.http.host, settings.http.port),
    );
    stops.push('http', () => closeServer(server));
    const httpPort = (server.address() as AddressInfo).port;
    if (httpPort !== settings.http.port) ownApi.splice(0, ownApi.length, ...(await ownApiEndpoints(settings.http, httpPort)));
    logger.info(`HTTP API listening on http://${settings.http.host}:${httpPort}`, { port: httpPort });
    if (telephony.simulator) {
      const simulator = telephony.simulator;
      simulator.postCdrsTo({ url: settings.simulator.cdrUrl ?? ownUrl(settings.http.host, httpPort, FREESWITCH_CDR_PATH), cred: `${CDR_USER}:${cdrs.secret}` });
      stops.push('simulator CDR posts', async () => simulator.postCdrsTo(undefined));
    }

    if (telephony.simulator && settings.simulator.demoCallback) {
      // The demo must not meet a node still connecting: it would be refused for lack of capacity.
      await Promise.all(telephony.clients.map((client) => client.ready()));
      await orderDemoCallback({ db, engine, simulator: telephony.simulator, logger });
    }
    return { httpPort, db, telephony, engine, scheduler, stop: () => stops.stopAll() };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}

/** B4: FreeSWITCH's CDRs (mod_json_cdr) come in here and are reconciled with what the socket saw. */
function freeswitchCdrs(
  settings: Settings,
  deps: { store: Store; clock: Clock; logger: Logger; engine: CallbackEngine; scheduler: Scheduler; metrics: ServiceMetrics },
): { router: Router; secret: string } {
  const { logger, engine, scheduler, clock } = deps;
  if (!settings.security.cdrSecret && settings.freeswitch.mode === 'external') {
    logger.warn('CDRs from FreeSWITCH are refused: set CALLBACK_SECURITY_CDR_SECRET and the same password in json_cdr.conf.xml (cred)');
  }
  const secret = settings.security.cdrSecret ?? randomBytes(32).toString('hex');
  const count = cdrOutcomeCounter(deps.metrics.registry);
  const receiver = new CdrReceiver({
    store: deps.store,
    clock,
    logger: logger.child({ component: 'freeswitch-cdr' }),
    engine,
    recoverAbandoned: () => scheduler.sweep(clock.now()),
    count,
    socketEndGraceMs: settings.freeswitch.cdrGraceSeconds * 1000,
  });
  receiver.followSettlements(engine);
  return { router: freeswitchCdrRouter({ receiver, secret, logger, countRefusal: count }), secret };
}

/** Our own address as seen from this host (a wildcard listen address is not one to connect to). */
function ownUrl(host: string, port: number, path: string): string {
  const reachable = ['0.0.0.0', '::', '[::]'].includes(host) ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable}:${port}${path}`;
}

/** Legs we originated go to the engine; anything else reaching the socket is an access-number call. */
function routeCall(session: CallSession, ref: { engine?: CallbackEngine; access?: (session: CallSession) => Promise<void> }, settings: Settings, logger: Logger): Promise<void> {
  if (ref.engine && isCallbackLeg(session)) return ref.engine.handleSession(session);
  if (ref.access) return ref.access(session);
  return refuseUnroutedCall(session, settings, logger);
}

function running(engine: CallbackEngine | undefined): CallbackEngine {
  if (!engine) throw new Error('the callback engine is not running yet');
  return engine;
}

/** A call reached our socket before the service was ready for it: refuse it without answering, so nobody pays. */
async function refuseUnroutedCall(session: CallSession, settings: Settings, logger: Logger): Promise<void> {
  logger.warn('refusing a call no call flow handles', { legUuid: session.uuid, destination: session.destinationNumber });
  await session.reject(settings.callback.rejectHangupCause);
}

function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
