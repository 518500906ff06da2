import type { Logger } from '../log/logger';
import type { CallbackRequest } from '../store/callback-requests';
import type { Dispatcher } from './dispatcher';

/**
 * Dials a request that is due when its order commits, in the process that took the order: the
 * claim is made on the copy the order just wrote (no read), and the dial starts without the
 * queue's round trips (enqueue, the worker's fetch, the handler's read).
 *
 * The claim is what keeps it exactly once, as for a fired job. A request this claims needs no job:
 * from the claim on, its lease (and the sweep's recovery if this process dies) is what guarantees
 * it, exactly as for a request the queue's handler claimed. A request this does not claim (no free
 * slot, stopping, a claim that failed or lost) gets its job as before; a crash between the order's
 * commit and the claim leaves a due row without a job, which the next sweep gives one (the same
 * guarantee as a failed enqueue).
 */
export class ImmediateDials {
  /** Claims and dials under way; at most `concurrency`, beyond that the queue paces them. */
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly dispatcher: Pick<Dispatcher, 'claim' | 'dial'>,
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {}

  /**
   * True when this process claimed `committed` (the row as its order just wrote it) and started
   * its dial; false when the caller should give it a job. Never throws.
   */
  async tryDial(committed: CallbackRequest): Promise<boolean> {
    if (this.stopped || this.running.size >= this.concurrency) return false;
    const claimed = this.claim(committed);
    // A failed dial is logged and its lease given up by the dispatcher; the sweep recovers it.
    const work: Promise<void> = claimed
      .then((request) => (request ? this.dispatcher.dial(request).catch(() => undefined) : undefined))
      .finally(() => this.running.delete(work));
    this.running.add(work);
    return (await claimed) !== null;
  }

  /** No new dials; waits for the claims and dials under way (as the queue's stop waits for its handlers). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.running]);
  }

  private async claim(committed: CallbackRequest): Promise<CallbackRequest | null> {
    try {
      const claim = await this.dispatcher.claim(committed.id, committed);
      return claim.won ? claim.claimed : null;
    } catch (error) {
      this.logger.warn('could not claim an ordered request at once; it goes through the queue', { requestId: committed.id, error });
      return null;
    }
  }
}
