import type { Knex } from 'knex';
import type { QueueSettings } from '../config/schema';
import type { Logger } from '../log/logger';
import { createStore } from '../store';
import type { CallbackRequest } from '../store/callback-requests';
import { systemClock, type Clock } from '../time/clock';
import { BullDialQueue } from './bull-dial-queue';
import type { DialQueue, QueueCounts, RateLimit } from './dial-queue';
import { Dispatcher, type DialFn } from './dispatcher';
import { MemoryDialQueue } from './memory-dial-queue';
import { ImmediateDials, type DialSlot } from './immediate-dials';
import { LeaseHeartbeat } from './lease-heartbeat';
import { ACTIVE_STATES, DUE_STATES } from './request-states';
import { cronPeriodMs, DEFAULT_SWEEP_CRON, everyCron, sweepTimings, type PeriodicTask } from './sweep-cron';
import { Sweeper, type ExpiredFn, type RecoverFn, type SweepResult } from './sweeper';

export interface SchedulerOptions {
  settings: QueueSettings;
  db: Knex;
  clock?: Clock;
  logger: Logger;
  /** Unique per controller process (O5): it owns the leases it takes. */
  instanceId: string;
  dial: DialFn;
  /** The requests this process works on; the heartbeat renews only their leases (default: every lease it holds). */
  owned?: () => readonly string[];
  /** Told which of `owned` the heartbeat found no longer leased to this instance (LeaseHeartbeatOptions.onLost). */
  onLeasesLost?: (requestIds: readonly string[]) => void;
  /** Default: a lost request is marked failed with CONTROLLER_LOST. */
  recover?: RecoverFn;
  onExpired?: ExpiredFn;
  /**
   * How long a claim holds without renewal before the sweep treats its instance as dead (default
   * 2 min). The instance's heartbeat renews its leases every third of this.
   */
  leaseMs?: number;
  /** Cron expression for the periodic sweep (default every 10 s); null: none (tests call sweep()). */
  sweepCron?: string | null;
  /**
   * Cron expression for picking up due rows without a job between sweeps. The in-process queue
   * lives in this process, so an order another process writes to the database (the CLI) reaches
   * it only this way (the service runs it every second with the memory driver; with Redis the CLI
   * queues itself). Default null: none (tests call pickUp()).
   */
  pickupCron?: string | null;
  /** Default two periods of the sweep cron (the default cron's with none): a request whose job was lost is queued again before it is due (sweepTimings). */
  lookaheadMs?: number;
  /** Default 24 h: a request that could not be dialed for that long is expired, not dialed late. */
  maxAgeMs?: number;
  /** Handlers running at once in this process (default 10). */
  concurrency?: number;
  /** Dispatch rate, e.g. the sum of the FreeSWITCH nodes' maxCps per second (default: none). */
  rateLimit?: RateLimit | null;
  /** The state a claimed request enters (default: dialing_a, or dialing_both in simultaneous mode). */
  firstState?: (request: CallbackRequest) => string;
  /** A queue other than the one the settings name (tests). */
  queue?: DialQueue;
  /** Told how each periodic sweep went (its reads and duration: the benchmark's figure, metrics). */
  onSweep?: (result: SweepResult) => void;
  /**
   * A new order due already is inserted claimed by this process and dialed here at once, up to
   * `concurrency` at a time, instead of through the queue (`dialAtOnce`, immediate-dials.ts).
   * Default: on, unless a `rateLimit` is set (the queue's limiter is global to every instance,
   * which an in-process dial would bypass).
   */
  dialDueOrdersAtOnce?: boolean;
}

export interface Scheduler {
  /** Call once the request's row (with this due_at) is committed. Never throws for a queue outage: the sweep catches up. */
  schedule(requestId: string, dueAt: number): Promise<void>;
  /**
   * For a new order due at `dueAt`, before its row is written: a place to dial it in this process
   * at once, its row inserted already claimed (see DialSlot), or null when it is not due yet (or
   * too old: the sweep expires it), no place is free, this process is stopping, or this is off;
   * the order is then inserted waiting and scheduled.
   */
  dialAtOnce(dueAt: number): DialSlot | null;
  /** Cancels a request still waiting: marks it cancelled in SQL and drops its job. False when it already left waiting. */
  cancel(requestId: string, cause?: string): Promise<boolean>;
  /** Sweeps once (restart durability), then runs jobs and the periodic sweep. */
  start(): Promise<void>;
  stop(): Promise<void>;
  sweep(now?: number): Promise<SweepResult>;
  /** Queues what is due now and has no job (see pickupCron); returns how many. */
  pickUp(now?: number): Promise<number>;
  counts(): Promise<QueueCounts>;
}

const MINUTE = 60_000;

export type QueueOptions = Pick<SchedulerOptions, 'settings' | 'logger' | 'concurrency' | 'rateLimit'> & { clock: Clock };

export function createQueue(options: QueueOptions): DialQueue {
  const common = { clock: options.clock, logger: options.logger, concurrency: options.concurrency, rateLimit: options.rateLimit ?? null };
  if (options.settings.driver === 'memory') return new MemoryDialQueue(common);
  return new BullDialQueue({ ...common, url: options.settings.url, prefix: options.settings.prefix });
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ component: 'scheduler', instanceId: options.instanceId });
  const requests = createStore(options.db, () => clock.now()).callbackRequests;
  const leaseMs = options.leaseMs ?? 2 * MINUTE;
  const maxAgeMs = options.maxAgeMs ?? 24 * 60 * MINUTE;
  const queue = options.queue ?? createQueue({ ...options, clock, logger });
  const dispatcher = new Dispatcher({
    db: options.db,
    requests,
    clock,
    logger,
    instanceId: options.instanceId,
    dial: options.dial,
    leaseMs,
    maxAgeMs,
    firstState: options.firstState,
  });
  const sweepCron = options.sweepCron === undefined ? DEFAULT_SWEEP_CRON : options.sweepCron;
  const sweepTiming = sweepTimings(cronPeriodMs(sweepCron ?? DEFAULT_SWEEP_CRON));
  const sweeper = new Sweeper({
    db: options.db,
    requests,
    queue,
    logger,
    instanceId: options.instanceId,
    leaseMs,
    lookaheadMs: options.lookaheadMs ?? sweepTiming.lookaheadMs,
    maxAgeMs,
    recover: options.recover,
    onExpired: options.onExpired,
  });
  const heartbeat = new LeaseHeartbeat({
    db: options.db,
    clock,
    logger,
    instanceId: options.instanceId,
    activeStates: ACTIVE_STATES,
    leaseMs,
    ...(options.owned ? { owned: options.owned } : {}),
    ...(options.onLeasesLost ? { onLost: options.onLeasesLost } : {}),
  });
  const immediate =
    (options.dialDueOrdersAtOnce ?? !options.rateLimit) ? new ImmediateDials(dispatcher, Math.max(1, options.concurrency ?? 10), logger) : null;
  const pickupCron = options.pickupCron ?? null;
  let periodic: PeriodicTask | null = null;
  let pickup: PeriodicTask | null = null;

  return {
    dialAtOnce(dueAt) {
      const now = clock.now();
      if (!immediate || dueAt > now || dueAt < now - maxAgeMs) return null;
      return immediate.take({ instanceId: options.instanceId, leaseUntil: now + leaseMs });
    },

    async schedule(requestId, dueAt) {
      try {
        await queue.enqueue(requestId, dueAt);
      } catch (error) {
        logger.warn('could not queue a request; the sweep will', { requestId, dueAt, error });
      }
    },

    async cancel(requestId, cause = 'CANCELLED') {
      const cancelled = await requests.transition(requestId, DUE_STATES, 'cancelled', { lastCause: cause, release: true });
      // Even when it was not waiting any more, a leftover job has nothing to do.
      await queue.remove(requestId).catch((error: unknown) => {
        logger.warn('could not remove a job; it will be dropped when it fires', { requestId, error });
      });
      return cancelled;
    },

    async start() {
      try {
        await sweeper.sweep(clock.now());
      } catch (error) {
        logger.error('start-up sweep failed; the periodic sweep retries', { error });
      }
      heartbeat.start();
      await queue.start(dispatcher.handle);
      const periodicSweep = async (): Promise<void> => {
        const result = await sweeper.sweep(clock.now(), { budgetMs: sweepTiming.budgetMs });
        options.onSweep?.(result);
      };
      if (sweepCron !== null) {
        const sweeps = everyCron(sweepCron, 'scheduler sweep', logger, periodicSweep);
        // Jobs lost (Redis restarted empty): due rows should not wait up to a period for new ones.
        queue.onJobsMayBeLost?.(() => sweeps.runNow());
        periodic = sweeps;
      }
      if (pickupCron !== null) pickup = everyCron(pickupCron, 'scheduler pick-up', logger, () => sweeper.pickUpDue(clock.now()));
    },

    async stop() {
      await periodic?.stop();
      await pickup?.stop();
      periodic = null;
      pickup = null;
      await immediate?.stop();
      await queue.stop();
      await heartbeat.stop();
    },

    sweep: (now = clock.now()) => sweeper.sweep(now),
    pickUp: (now = clock.now()) => sweeper.pickUpDue(now),
    counts: () => queue.counts(),
  };
}
