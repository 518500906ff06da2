import type { Logger } from '../log/logger';
import type { CallbackRequest } from '../store/callback-requests';
import type { Dispatcher } from './dispatcher';

/** The claim a new order's row is inserted with: leased to this instance until `leaseUntil`. */
export interface InsertedClaim {
  readonly instanceId: string;
  readonly leaseUntil: number;
}

/**
 * One of the immediate dials' places, taken for a new order before its row is written. The order
 * inserts its row already claimed with `claim`, then hands the committed row to `dial`; it calls
 * `release` in any case once it is done (after `dial` it does nothing), so a place whose order
 * wrote no row (a used idempotency key, a failed insert) is given back.
 */
export interface DialSlot {
  readonly claim: InsertedClaim;
  /** Starts the dial of the row as its order just inserted it; does not wait for it. */
  dial(claimed: CallbackRequest): void;
  release(): void;
}

/**
 * Dials a request that is due when it is ordered, in the process that took the order, without
 * the queue (enqueue, the worker's fetch, the handler's read) and without a claim after the
 * order: the order's INSERT writes the row already claimed by this instance, in the state, with
 * the attempt, lease and token the claim would have written (issue #20: one commit less before
 * the first originate).
 *
 * The insert is what keeps it exactly once: only the order that wrote the row dials it (a used
 * idempotency key writes nothing and dials nothing), no other instance can claim a row that is
 * not in a due state, and a crash after the insert's commit leaves a leased row without a leg,
 * which the sweep recovers once the lease ran out like any claimed row whose instance died
 * (nothing was dialed: it is dialed once again). An order that gets no place (none of
 * `concurrency` free, stopping) is inserted waiting and goes through the queue as before.
 */
export class ImmediateDials {
  /** Places taken and dials under way; at most `concurrency`, beyond that the queue paces them. */
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly dispatcher: Pick<Dispatcher, 'dial'>,
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {}

  /** A place for an order to be inserted claimed with `claim`, or null when none is free or this process is stopping. */
  take(claim: InsertedClaim): DialSlot | null {
    if (this.stopped || this.running.size >= this.concurrency) return null;
    let free = (): void => undefined;
    const place: Promise<void> = new Promise<void>((resolve) => (free = resolve)).finally(() => this.running.delete(place));
    this.running.add(place);
    let used = false;
    return {
      claim,
      dial: (claimed) => {
        if (used) return;
        used = true;
        this.logger.info('dialing callback request', { requestId: claimed.id, state: claimed.state, dueAt: claimed.dueAt, instanceId: claim.instanceId, claimedBy: 'order' });
        // A failed dial is logged and its lease given up by the dispatcher; the sweep recovers it.
        void this.dispatcher.dial(claimed).then(free, free);
      },
      release: () => {
        if (used) return;
        used = true;
        free();
      },
    };
  }

  /** No new places; waits for the orders and dials under way (as the queue's stop waits for its handlers). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.running]);
  }
}
