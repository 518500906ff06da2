import type { Knex } from 'knex';
import { DEFAULT_CAP_SECONDS, DEFAULT_WARNING_SECONDS_BEFORE } from '../../billing';
import type { RoutingSettings } from '../../config/routing-schema';
import type { CallbackSettings } from '../../config/schema';
import { PromptFiles } from '../../ivr/prompt-files';
import { readPromptList } from '../../ivr/read-prompt-list';
import type { Logger } from '../../log/logger';
import type { CarrierLimiter } from '../../routing/carrier-limiter';
import { InProcessCarrierLimits } from '../../routing/carrier-limits';
import type { LegRouter } from '../../routing/leg-router';
import type { RouteChoice } from '../../routing/route-types';
import type { DialSlot } from '../../scheduler/immediate-dials';
import type { SystemSettings } from '../../settings/system';
import { createStore, type CallbackRequest, type Store } from '../../store';
import { CachedPrices, type PriceReads } from '../../store/cached-prices';
import { systemClock, type Clock } from '../../time/clock';
import { LeaseWatches } from './lease';
import { digitsDestinationAsker, type DestinationAsker } from './ask-destination';
import { callbackNodesOf } from './callback-nodes';
import { EngineEvents } from './events';
import { LegEventHub } from './leg-events';
import { LiveLegs } from './live-legs';
import { LegWaiter } from './leg-waiter';
import { DEFAULT_MAX_LATE_SOCKETS } from './socket-window';
import { TurnBudget } from './turn-budget';
import { legRouter } from './leg-routing';
import { OrderHandOffs } from './order-hand-offs';
import type { TalkHook } from './flow';
import type { EngineTelephony } from './telephony';
import { untilWritten } from './until-written';
import { KeyedSerial, WorkTracker } from './work';

/** The part of the scheduler the engine uses (lib/scheduler's Scheduler fits). */
export interface RequestScheduler {
  /** The request's row, with this due time, is committed: wake a dial for it then. */
  schedule(requestId: string, dueAt: number): Promise<void>;
  /**
   * Before a new order due at `dueAt` is written: a place to dial it in this process at once, its
   * row inserted already claimed, or null (it is then inserted waiting and scheduled). A scheduler
   * without it schedules every order.
   */
  dialAtOnce?(dueAt: number): DialSlot | null;
  /** Cancels a request still waiting; false when it left waiting already. */
  cancel(requestId: string, cause?: string): Promise<boolean>;
}

/** Prompt names (as in the O3 settings: `callback/busy`); files are `<promptsDir>/<language>/<name>.wav` (PromptFiles). */
export interface PromptNames {
  /** B3: the call cannot be afforded. */
  insufficientFunds: string;
  /** C2 stub: "enter the number, then #". */
  enterDestination: string;
  /** A5/A6: the destination may not be called. */
  destinationNotAllowed: string;
}

export interface CallbackEngineOptions {
  db: Knex;
  logger: Logger;
  settings: CallbackSettings;
  telephony: EngineTelephony;
  scheduler: RequestScheduler;
  /** A6: pays leg A of a caller nobody could identify. */
  operatorCallbackAccountId: number;
  /** Unique per controller process (O5); the leases it renews are its own. */
  instanceId: string;
  clock?: Clock;
  /** Must match the scheduler's lease (default 2 min). */
  leaseMs?: number;
  /** Where the prompts lie and in which languages; default: `promptsDir` and the shipped prompt list. */
  promptFiles?: PromptFiles;
  promptsDir?: string;
  prompts?: Partial<PromptNames>;
  /** C6: what leg A hears before the hard stop. */
  warningTone?: string;
  warningSecondsBefore?: number;
  /** C6: no call lasts longer, whatever the balance (default 4 h). */
  maxCallSeconds?: number;
  /** B3: what leg A may cost before B is dialed (IVR, ringback), held when A is dialed. */
  setupAllowanceSeconds?: number;
  /** How long an answered leg's socket may lag its originate result (§9). */
  socketWaitMs?: number;
  /** socketServer.maxLateSockets: while this many legs A are answered without their socket or not yet taken by FreeSWITCH, new ones wait to be dialed (DEFAULT_MAX_LATE_SOCKETS). */
  maxLateSockets?: number;
  /** The outbound server's OutboundServer.drained: asked before a leg whose socket is late is given up. */
  socketsTakenIn?: () => Promise<void>;
  /** How long a leg that hung up may take to report CHANNEL_HANGUP_COMPLETE before it is settled from estimates. */
  hangupCompleteWaitMs?: number;
  /** What leg A hears while B rings (`ringback` variable). */
  ringback?: string;
  /** C2 destination entry on leg A; the IVR module replaces the stub. */
  askDestination?: DestinationAsker;
  /** C4: after a talk, ask A for the next destination instead of hanging up. */
  askAgainAfterTalk?: (request: CallbackRequest) => boolean;
  /** C3/C4: after B fails, ask A again instead of hanging up (default: access-number callbacks). */
  askAgainOnFailure?: (request: CallbackRequest) => boolean;
  /** Called when A and B start talking (in-call DTMF features, lib/features); also sets `bridge_filter_dtmf` on A. */
  onTalk?: TalkHook;
  /** Issue #17: how legs choose their carrier. */
  routing: EngineRouting;
  /** billing.rateCacheSeconds: how long prices read from the database are used (default 30). */
  rateCacheSeconds?: number;
}

export interface EngineRouting {
  readonly settings: RoutingSettings;
  /** For the weighted order of carriers of equal priority (default Math.random). */
  readonly random?: () => number;
  /** Where carriers' channels and calls per second are counted: shared in Redis by several controllers, else this process's own (the default). */
  readonly limits?: CarrierLimiter;
}

/** Everything the flows share, resolved once per engine. */
export interface EngineContext {
  readonly db: Knex;
  readonly store: Store;
  /** Sell rates, carriers' identities and buy rates, from memory within billing.rateCacheSeconds (cached-prices.ts). */
  readonly prices: PriceReads;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The callback settings legs are placed with: the system's, per request its resolved overrides (request-settings.ts). */
  readonly settings: CallbackSettings;
  /** The system values under every override, whatever request this context is scoped to. */
  readonly system: SystemSettings;
  readonly telephony: EngineTelephony;
  readonly scheduler: RequestScheduler;
  readonly events: EngineEvents;
  readonly hub: LegEventHub;
  /** The legs this process drives, by uuid, until each is settled. */
  readonly liveLegs: LiveLegs;
  readonly waiter: LegWaiter;
  /** Where work starts (an order, a dial the scheduler fired, the settlement of a call that ended): within each loop turn's budget, one budget for all (turn-budget.ts). */
  readonly newWork: TurnBudget;
  readonly work: WorkTracker;
  /** Holds, and the A5 check with the dial, take turns per account (see KeyedSerial). */
  readonly perAccount: KeyedSerial;
  /** What an order did (its account read, its slot in the turn's budget), for the dial its schedule call starts at once. */
  readonly orderHandOffs: OrderHandOffs;
  readonly operatorCallbackAccountId: number;
  readonly instanceId: string;
  readonly leaseMs: number;
  /** Who hears that a lease this instance calls under was lost (the heartbeat renews them all, lease.ts). */
  readonly leases: LeaseWatches;
  readonly prompts: PromptNames;
  /** The file of prompt `name` in `language` (the request's resolved `settings.language`), else in the default language. */
  readonly promptFile: (name: string, language: string) => string;
  readonly warningTone: string;
  readonly warningSecondsBefore: number;
  readonly capSeconds: number;
  readonly setupAllowanceSeconds: number;
  readonly hangupCompleteWaitMs: number;
  readonly ringback: string;
  readonly asker: DestinationAsker;
  readonly askAgainAfterTalk: (request: CallbackRequest) => boolean;
  readonly askAgainOnFailure: (request: CallbackRequest) => boolean;
  readonly onTalk: TalkHook | undefined;
  readonly router: LegRouter;
  /** Carriers' channels and calls per second (the router takes them; an adopted talk holds its channels). */
  readonly carrierLimits: CarrierLimiter;
  /** The policy and loss-call rule legs are routed by: `routing.*`, per request its resolved overrides. */
  readonly route: RouteChoice;
  /** The nodes callback legs go out on: `callbackServer`, or every node for `any`. */
  readonly callbackNodes: readonly string[];
  /** Runs a write that must land, waiting out a database outage (see until-written.ts). */
  readonly untilWritten: <T>(what: string, work: () => Promise<T>) => Promise<T>;
}

/**
 * What new work may cost per loop turn, in milliseconds of this process's CPU (CPU time rather
 * than the wall clock: on a loaded host the wall clock also counts the time the process waited for
 * a core, which no turn can shorten). While answered legs' outbound sockets are late (the socket
 * window counts them), 5 ms: those sockets wait in the kernel's accept queue, one is taken in per
 * turn, and FreeSWITCH drops one not spoken to within 25 s, so turns stay short. Otherwise 25 ms:
 * an order costs one to a few ms until its originate is written on SQLite, so a batch of them
 * writes its commands together, a burst is still spread over turns (replies and events of calls
 * in progress wait at most that long), and a saturated controller starts more a turn than at 5 ms
 * (issue #20: 800/s offered started 324/s at 5 ms of wall time a turn, 540/s unbudgeted). At most
 * 8 batches and 128 tasks a turn.
 */
const NEW_WORK_TURN_BUDGET = { whileSocketsLateMs: 5, otherwiseMs: 25, perTurn: 128, checks: 8 };

/** This process's CPU time in milliseconds (every thread's; the main one's dominates). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export const DEFAULT_PROMPTS: PromptNames = {
  insufficientFunds: 'callback/insufficient_funds',
  enterDestination: 'callback/enter_destination',
  destinationNotAllowed: 'callback/destination_not_allowed',
};

/** The prompt list shipped with the controller, relative to its working folder. */
export const DEFAULT_PROMPTS_LIST = 'freeswitch-conf/prompts/prompts.tsv';

export function engineContext(options: CallbackEngineOptions): EngineContext {
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ component: 'callback-engine', instanceId: options.instanceId });
  const promptFiles =
    options.promptFiles ??
    new PromptFiles(options.promptsDir ?? '/usr/local/freeswitch/sounds/prompts', readPromptList(DEFAULT_PROMPTS_LIST, logger), options.settings.language);
  const work = new WorkTracker();
  const store = createStore(options.db, () => clock.now());
  const waitForDatabase = <T>(what: string, write: () => Promise<T>): Promise<T> =>
    untilWritten(write, {
      clock,
      // A backoff is waiting for the database, not work: the engine counts as idle meanwhile.
      wait: (delay) => work.waitFor(delay),
      onRetry: (error, attempt, delayMs) =>
        logger.warn('database unavailable; retrying the write', { what, attempt, delayMs, error: error instanceof Error ? error.message : String(error) }),
    });
  const { callbackServer } = options.settings;
  const carrierLimits = options.routing.limits ?? new InProcessCarrierLimits(clock);
  const route: RouteChoice = { policy: options.routing.settings.policy, allowLossCalls: options.routing.settings.allowLossCalls };
  const waiter = new LegWaiter({
    clock,
    socketWaitMs: options.socketWaitMs ?? 10_000,
    maxLateSockets: options.maxLateSockets ?? DEFAULT_MAX_LATE_SOCKETS,
    ...(options.socketsTakenIn ? { socketsTakenIn: options.socketsTakenIn } : {}),
  });
  return {
    db: options.db,
    store,
    prices: new CachedPrices(store, { db: options.db, maxAgeMs: (options.rateCacheSeconds ?? 30) * 1000, now: () => clock.now() }),
    clock,
    logger,
    settings: options.settings,
    system: { callback: options.settings, routing: route, nodes: options.telephony.nodes },
    telephony: options.telephony,
    scheduler: options.scheduler,
    events: new EngineEvents(logger),
    hub: new LegEventHub(clock),
    liveLegs: new LiveLegs(),
    newWork: newWorkBudget(waiter),
    waiter,
    work,
    perAccount: new KeyedSerial(),
    orderHandOffs: new OrderHandOffs(),
    operatorCallbackAccountId: options.operatorCallbackAccountId,
    instanceId: options.instanceId,
    leaseMs: options.leaseMs ?? 120_000,
    leases: new LeaseWatches(),
    prompts: { ...DEFAULT_PROMPTS, ...options.prompts },
    promptFile: (name, language) => promptFiles.file(name, language),
    warningTone: options.warningTone ?? 'tone_stream://%(500,500,1400);loops=2',
    warningSecondsBefore: options.warningSecondsBefore ?? DEFAULT_WARNING_SECONDS_BEFORE,
    capSeconds: options.maxCallSeconds ?? DEFAULT_CAP_SECONDS,
    setupAllowanceSeconds: options.setupAllowanceSeconds ?? 60,
    hangupCompleteWaitMs: options.hangupCompleteWaitMs ?? 10_000,
    ringback: options.ringback ?? '%(2000,4000,440,480)',
    asker: options.askDestination ?? digitsDestinationAsker,
    askAgainAfterTalk: options.askAgainAfterTalk ?? (() => false),
    askAgainOnFailure: options.askAgainOnFailure ?? ((request) => request.trigger === 'access'),
    onTalk: options.onTalk,
    router: legRouter(options.routing, { store, clock, logger, waitForDatabase, limits: carrierLimits }),
    carrierLimits,
    route,
    // The system's server is checked against freeswitch.nodes when the settings are loaded.
    callbackNodes: callbackNodesOf(callbackServer, options.telephony.nodes) ?? [callbackServer],
    untilWritten: waitForDatabase,
  };
}

function newWorkBudget(waiter: LegWaiter): TurnBudget {
  const { whileSocketsLateMs, otherwiseMs, perTurn, checks } = NEW_WORK_TURN_BUDGET;
  return new TurnBudget({
    budgetMs: () => (waiter.lateSockets > 0 ? whileSocketsLateMs : otherwiseMs),
    perTurn,
    checks,
    now: cpuMs,
    defer: (callback) => setImmediate(callback),
  });
}
