import type { Account } from '../../store';

/**
 * The account an order read, handed to the dial that starts while the order is still being
 * scheduled (a request due now is claimed and dialed by the order's own schedule call): that
 * admission then reads the account no more (issue #20: one statement less per callback). Kept
 * only for the length of the schedule call, so a row is never used later than the order that
 * read it; a dial that starts afterwards (a queued job, a retry, a scheduled callback) reads it.
 */
export class OrderedAccounts {
  private readonly byRequest = new Map<string, Account>();

  /** Runs `schedule` with `account` on offer to the dial of `requestId` it may start. */
  async during<T>(requestId: string, account: Account, schedule: () => Promise<T>): Promise<T> {
    this.byRequest.set(requestId, account);
    try {
      return await schedule();
    } finally {
      this.byRequest.delete(requestId);
    }
  }

  /** The account the order of `requestId` read, if that order is being scheduled right now; once. */
  take(requestId: string): Account | undefined {
    const account = this.byRequest.get(requestId);
    this.byRequest.delete(requestId);
    return account;
  }
}
