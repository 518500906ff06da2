import type { Knex } from 'knex';
import type { Logger } from '../log/logger';
import type { CallbackRequest, CallbackRequestsRepository } from '../store/callback-requests';
import type { Clock } from '../time/clock';
import { abandonLease, claimedForDial, claimForDial } from '../store/request-claims';
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
export type ClaimResult = { readonly won: true; readonly claimed: CallbackRequest } | { readonly won: false; readonly outcome: Refusal };

/**
 * The queue handler. A fired job is only a hint: the request is dialed if, and only if, this
 * instance wins the compare-and-set claim on its row. That is what makes "exactly once" hold when
 * a request has two jobs (sweep plus original, a stalled worker) or two instances race for it.
 */
export class Dispatcher {
  private readonly dueStates: readonly string[];
  private readonly firstState: (request: CallbackRequest) => string;

  constructor(private readonly options: DispatcherOptions) {
    this.dueStates = options.dueStates ?? DUE_STATES;
    this.firstState = options.firstState ?? firstActiveState;
  }

  /** For the queues; the outcome is for tests and metrics. */
  readonly handle = async (requestId: string): Promise<void> => {
    await this.dispatch(requestId);
  };

  async dispatch(requestId: string): Promise<DispatchOutcome> {
    const claim = await this.claim(requestId, await this.options.requests.findById(requestId));
    if (!claim.won) return claim.outcome;
    await this.dial(claim.claimed);
    return 'dialed';
  }

  /**
   * Claims `request`, a copy of the row read (or just written) by the caller: won only if the row
   * is still that copy (version), due, and held by no other live instance.
   */
  async claim(requestId: string, request: CallbackRequest | null): Promise<ClaimResult> {
    const { clock, logger, instanceId, leaseMs } = this.options;
    const now = clock.now();
    const refusal = this.refusal(request, now);
    if (refusal || !request) {
      logger.debug('dial job dropped', { requestId, reason: refusal, state: request?.state });
      return { won: false, outcome: refusal ?? 'missing' };
    }
    const to = this.firstState(request);
    if (!(await claimForDial(this.options.db, request, this.dueStates, to, { now, instanceId, leaseMs }))) {
      logger.debug('dial job dropped', { requestId, reason: 'taken' });
      return { won: false, outcome: 'taken' };
    }
    logger.info('dialing callback request', { requestId, state: to, dueAt: request.dueAt, lateMs: now - request.dueAt, instanceId });
    return { won: true, claimed: claimedForDial(request, to, { now, instanceId, leaseMs }) };
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
    return null;
  }
}
