import type { Knex } from 'knex';
import type { Logger } from '../log/logger';
import type { CallbackRequest, CallbackRequestsRepository } from '../store/callback-requests';
import type { Clock } from '../time/clock';
import { abandonLease, claimedForDial, claimManyForDial, type DialClaim } from '../store/request-claims';
import { BatchedCalls } from './batched-calls';
import { DUE_STATES, firstActiveState } from './request-states';

/**
 * Starts the call for a claimed request. The request is already in its first active state, its
 * attempt is counted (`attempts` includes this one), and it is leased to this instance, whose heartbeat keeps the lease alive while the process lives and the
 * request stays active. Resolve once the call is under way (originated), not when it ends: the
 * queue's concurrency and rate limit count running dial() calls. Reject only when the attempt
 * could not be handled: the request then goes to recovery (see Dispatcher).
 */
export type DialFn = (request: CallbackRequest) => Promise<void>;

export interface DispatcherOptions {
  db: Knex;
  requests: CallbackRequestsRepository;
  clock: Clock;
  logger: Logger;
  instanceId: string;
  dial: DialFn;
  leaseMs: number;
  /** Requests due longer ago than this are left to the sweep to expire, never dialed. */
  maxAgeMs: number;
  dueStates?: readonly string[];
  firstState?: (request: CallbackRequest) => string;
}

/** Why a fired job dials nothing. */
export type Refusal = 'missing' | 'not_due_state' | 'not_yet_due' | 'too_old' | 'taken';
export type DispatchOutcome = 'dialed' | Refusal;

/** A claim won (the row as the claim left it, leased to this instance), or why there is none. */
type ClaimResult = { readonly won: true; readonly claimed: CallbackRequest } | { readonly won: false; readonly outcome: Refusal };

/**
 * Jobs fired together are claimed together, up to this many: one read and one UPDATE for the
 * batch (three bound values per request, well inside every driver's limit).
 */
const MAX_CLAIM_BATCH = 500;

/** A fired job's request and its copy: refused already, or to be claimed into `to`. */
type ClaimPlan = { readonly requestId: string; readonly refusal: Refusal; readonly request: CallbackRequest | null } | (DialClaim & { readonly requestId: string });

/**
 * The queue handler. A fired job is only a hint: the request is dialed if, and only if, this
 * instance wins the compare-and-set claim on its row. That is what makes "exactly once" hold when
 * a request has two jobs (sweep plus original, a stalled worker) or two instances race for it.
 *
 * Jobs that fire while a claim is under way wait for it and are claimed together, one read and
 * one conditional UPDATE (one commit) for all of them, on each row's own conditions: at 1,667 due
 * jobs a second, one commit per job was more than the database could do.
 */
export class Dispatcher {
  private readonly dueStates: readonly string[];
  private readonly firstState: (request: CallbackRequest) => string;
  private readonly fired: BatchedCalls<string, ClaimResult>;

  constructor(private readonly options: DispatcherOptions) {
    this.dueStates = options.dueStates ?? DUE_STATES;
    this.firstState = options.firstState ?? firstActiveState;
    this.fired = new BatchedCalls((requestIds) => this.claimFired(requestIds), MAX_CLAIM_BATCH);
  }

  /** For the queues; the outcome is for tests and metrics. */
  readonly handle = async (requestId: string): Promise<void> => {
    await this.dispatch(requestId);
  };

  async dispatch(requestId: string): Promise<DispatchOutcome> {
    const claim = await this.fired.call(requestId);
    if (!claim.won) return claim.outcome;
    await this.dial(claim.claimed);
    return 'dialed';
  }

  /** Fired jobs' requests, read in one statement, then claimed together. */
  private async claimFired(requestIds: readonly string[]): Promise<ClaimResult[]> {
    const rows = await this.options.requests.findManyById([...new Set(requestIds)]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return this.claimCopies(requestIds.map((requestId) => ({ requestId, request: byId.get(requestId) ?? null })));
  }

  private async claimCopies(copies: readonly { requestId: string; request: CallbackRequest | null }[]): Promise<ClaimResult[]> {
    const { clock, logger, instanceId, leaseMs } = this.options;
    const now = clock.now();
    const lease = { now, instanceId, leaseMs };
    const planned = new Set<string>();
    const plans = copies.map(({ requestId, request }): ClaimPlan => {
      const refusal = this.refusal(request, now);
      if (refusal || !request) return { requestId, refusal: refusal ?? 'missing', request };
      // Two jobs of one request in one batch: as when they race, the first one claims it.
      if (planned.has(request.id)) return { requestId, refusal: 'taken', request };
      planned.add(request.id);
      return { requestId, request, to: this.firstState(request) };
    });
    const claims = plans.filter((plan): plan is DialClaim & { requestId: string } => 'to' in plan);
    const won = claims.length > 0 ? await claimManyForDial(this.options.db, claims, this.dueStates, lease) : new Set<string>();
    return plans.map((plan): ClaimResult => {
      if ('to' in plan && won.has(plan.request.id)) {
        const { request, to } = plan;
        logger.info('dialing callback request', { requestId: request.id, state: to, dueAt: request.dueAt, lateMs: now - request.dueAt, instanceId });
        return { won: true, claimed: claimedForDial(request, to, lease) };
      }
      const outcome = 'refusal' in plan ? plan.refusal : 'taken';
      logger.debug('dial job dropped', { requestId: plan.requestId, reason: outcome, state: plan.request?.state });
      return { won: false, outcome };
    });
  }

  /** Dials a request this instance claimed; if the dial throws, the lease is given up for recovery. */
  async dial(claimed: CallbackRequest): Promise<void> {
    const { clock, logger, instanceId } = this.options;
    try {
      await this.options.dial(claimed);
    } catch (error) {
      // The engine may have half-started the call, so it is neither retried nor failed here: the
      // lease is given up and the next sweep (on any instance) hands the request to recovery.
      logger.error('dial failed; the request goes to recovery at the next sweep', { requestId: claimed.id, error });
      await abandonLease(this.options.db, claimed.id, instanceId, clock.now()).catch(() => undefined);
      throw error;
    }
  }

  private refusal(request: CallbackRequest | null, now: number): Refusal | null {
    if (!request) return 'missing';
    if (!this.dueStates.includes(request.state)) return 'not_due_state';
    // A job for an earlier due time that was since moved: the job for the new time fires it.
    if (request.dueAt > now) return 'not_yet_due';
    if (request.dueAt < now - this.options.maxAgeMs) return 'too_old';
    // The claim's UPDATE would find it held too; known from the copy, it costs that no statement.
    if (this.heldByAnother(request, now)) return 'taken';
    return null;
  }

  /** Leased to another instance, and that lease still runs (or never ends): the claim's lease condition fails. */
  private heldByAnother(request: CallbackRequest, now: number): boolean {
    if (request.claimedBy === null || request.claimedBy === this.options.instanceId) return false;
    return request.leaseUntil === null || request.leaseUntil >= now;
  }
}
