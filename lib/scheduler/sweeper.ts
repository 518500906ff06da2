import type { Knex } from 'knex';
import { HANDED_OVER } from '../callback/engine/clean-stop';
import type { Logger } from '../log/logger';
import type { CallbackRequest, CallbackRequestsRepository } from '../store/callback-requests';
import { abandonLease, claimForRecovery, type TakenOverLease } from '../store/request-claims';
import type { DialQueue } from './dial-queue';
import { ACTIVE_STATES, CONTROLLER_LOST, DUE_STATES, SCHEDULE_EXPIRED } from './request-states';
import { dueBefore, dueBetweenPage, leaseExpired, type DueRef } from '../store/request-sweeps';

/**
 * Called with a request whose instance died mid-dial, now leased to this instance (and kept alive
 * by its heartbeat while the request stays active), and when the dead instance's lease ran out
 * (`lost`; the row holds the new lease). The engine reconciles it with FreeSWITCH (is the call
 * still up?) or ends it and reports it; if this throws, the next sweep retries.
 */
export type RecoverFn = (request: CallbackRequest, lost: TakenOverLease) => Promise<void>;
/** Told about a request that waited past the maximum age and was marked failed (for webhooks, reports). */
export type ExpiredFn = (request: CallbackRequest) => Promise<void>;

export interface SweeperOptions {
  db: Knex;
  requests: CallbackRequestsRepository;
  queue: DialQueue;
  logger: Logger;
  instanceId: string;
  leaseMs: number;
  /** How far ahead of its due time a request is put in the queue. */
  lookaheadMs: number;
  /** A request still waiting this long after its due time is expired instead of dialed. */
  maxAgeMs: number;
  recover?: RecoverFn;
  onExpired?: ExpiredFn;
  /** Rows read per query (the due walk pages; recovery and expiry continue on the next sweep). */
  batchSize?: number;
}

export interface SweepResult {
  /** Due rows the walk read and handed to the queue to check. */
  checked: number;
  /** Of those, the rows the queue gave a job (it had none for that due time, or not a runnable one). */
  enqueued: number;
  recovered: number;
  expired: number;
  /** Rows whose handling threw; logged, and retried by the next sweep. */
  errors: number;
  /** SQL selects the sweep's walks made (pages of due rows, the expiry and lease reads), not counting per-row work. */
  reads: number;
  durationMs: number;
  /** The due walk stopped at its time budget; the next sweep starts over from the earliest due row. */
  cutShort: boolean;
}

const emptyResult = (): SweepResult => ({ checked: 0, enqueued: 0, recovered: 0, expired: 0, errors: 0, reads: 0, durationMs: 0, cutShort: false });
/** A sweep this long is worth a line even when it changed nothing: it is eating into its period. */
const SLOW_SWEEP_MS = 2_000;

/**
 * Makes the queue agree with SQL again. Safe to run at any time, on any number of instances at
 * once: enqueueing is idempotent, and recovery and expiry act through compare-and-set.
 */
export class Sweeper {
  private readonly batchSize: number;

  constructor(private readonly options: SweeperOptions) {
    this.batchSize = options.batchSize ?? 500;
  }

  /**
   * `budgetMs` bounds the due walk (pages in due order, so what is cut is what is due last): a
   * periodic sweep that must give thousands of rows new jobs (after Redis lost them) then finishes
   * within its period and the next one carries on, instead of overrunning it.
   */
  async sweep(now: number, options: { budgetMs?: number } = {}): Promise<SweepResult> {
    const started = performance.now();
    const result = emptyResult();
    // Expiry first, so that nothing too old is enqueued and dialed by this very sweep.
    await this.expire(now, result);
    await this.recoverLost(now, result);
    const deadline = options.budgetMs === undefined ? Infinity : started + options.budgetMs;
    await this.enqueueDue(now, result, this.options.lookaheadMs, deadline);
    result.durationMs = Math.round(performance.now() - started);
    if (result.recovered + result.expired + result.errors > 0 || result.durationMs >= SLOW_SWEEP_MS) this.options.logger.info('sweep', { ...result });
    return result;
  }

  /**
   * Queues the rows due by `now` only: what another process on the same database (the CLI) ordered
   * reaches the in-process queue this way, without the rest of a sweep. Returns how many it queued.
   */
  async pickUpDue(now: number): Promise<number> {
    const result = emptyResult();
    await this.enqueueDue(now, result, 0);
    return result.enqueued;
  }

  /**
   * A Redis flush, a restart or a lost enqueue leaves a due row without a job: give it one. A page
   * at a time, handed to the queue whole (one round trip for the rows that have their job, a few
   * for a page of rows that lost theirs).
   */
  private async enqueueDue(now: number, result: SweepResult, lookaheadMs: number, deadline = Infinity): Promise<void> {
    const { db, queue, maxAgeMs } = this.options;
    const range = { from: now - maxAgeMs, until: now + lookaheadMs };
    let after: DueRef | null = null;
    for (;;) {
      const page = await dueBetweenPage(db, DUE_STATES, range, after, this.batchSize);
      result.reads += 1;
      if (page.length === 0) return;
      try {
        result.enqueued += await queue.enqueueMany(page);
        result.checked += page.length;
      } catch (error) {
        // Almost always the queue itself (Redis away): one line, and the next sweep starts over.
        result.errors += 1;
        this.options.logger.error('sweep could not enqueue; the next sweep retries', { requestIds: page.length, firstRequestId: page[0]?.id, error });
        return;
      }
      if (page.length < this.batchSize) return;
      if (performance.now() >= deadline) {
        result.cutShort = true;
        return;
      }
      after = page[page.length - 1] ?? null;
    }
  }

  /** An active request whose lease ran out belongs to an instance that died mid-dial. */
  private async recoverLost(now: number, result: SweepResult): Promise<void> {
    const { db, requests, logger, instanceId, leaseMs } = this.options;
    const lapsed = await leaseExpired(db, ACTIVE_STATES, now, this.batchSize);
    result.reads += 1;
    for (const id of lapsed) {
      await this.guarded(id, result, async () => {
        const lost = await claimForRecovery(db, id, ACTIVE_STATES, { now, instanceId, leaseMs });
        if (!lost) return;
        const request = await requests.findById(id);
        if (!request) return;
        const context = { requestId: id, state: request.state, attempts: request.attempts };
        // A clean stop released this lease on purpose: nothing was lost, so no warning.
        if (request.lastCause === HANDED_OVER) logger.info('request handed over by a clean stop; taking it over', context);
        else logger.warn('request lost its controller mid-dial; recovering', context);
        try {
          if (this.options.recover) await this.options.recover(request, lost);
          else await this.failLost(request);
        } catch (error) {
          // Our heartbeat would otherwise keep this lease forever: give it up for the next sweep,
          // which must still see when the dead instance's lease ran out.
          await abandonLease(db, id, instanceId, now, lost.ranOutAt).catch(() => undefined);
          throw error;
        }
        result.recovered += 1;
      });
    }
  }

  /** Without an engine to reconcile with FreeSWITCH, a lost request is failed, loudly, never left hanging. */
  private async failLost(request: CallbackRequest): Promise<void> {
    const failed = await this.options.requests.transition(
      request.id,
      request.state,
      'failed',
      { lastCause: CONTROLLER_LOST, release: true },
      { expectedVersion: request.version },
    );
    if (failed) {
      this.options.logger.error('request failed: its controller was lost mid-dial', { requestId: request.id, cause: CONTROLLER_LOST });
    }
  }

  private async expire(now: number, result: SweepResult): Promise<void> {
    const { db, requests, queue, logger, maxAgeMs } = this.options;
    const tooOld = await dueBefore(db, DUE_STATES, now - maxAgeMs, this.batchSize);
    result.reads += 1;
    for (const id of tooOld) {
      await this.guarded(id, result, async () => {
        const request = await requests.findById(id);
        if (!request || !DUE_STATES.includes(request.state) || request.dueAt >= now - maxAgeMs) return;
        const expired = await requests.transition(
          id,
          request.state,
          'failed',
          { lastCause: SCHEDULE_EXPIRED, release: true },
          { expectedVersion: request.version },
        );
        if (!expired) return;
        await queue.remove(id).catch(() => undefined);
        logger.warn('request expired before it could be dialed', { requestId: id, dueAt: request.dueAt, overdueMs: now - request.dueAt });
        result.expired += 1;
        const after = await requests.findById(id);
        if (after && this.options.onExpired) await this.options.onExpired(after);
      });
    }
  }

  private async guarded(requestId: string, result: SweepResult, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      result.errors += 1;
      this.options.logger.error('sweep could not handle a request; the next sweep retries', { requestId, error });
    }
  }
}
