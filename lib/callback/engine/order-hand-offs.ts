import type { Account } from '../../store';
import type { AttemptMoney } from './attempt-money';
import type { Refusal } from './funds';
import type { RequestScope } from './request-settings';
import type { TurnSlot } from './turn-budget';

/**
 * The admission an order due now made before its row was written (`written-order.ts`): the
 * request's settings, its prices and first holds (written with the row), or why the call may not
 * be made. The dial neither reads the settings nor prices nor holds again.
 */
export interface OrderAdmission {
  readonly scope: RequestScope;
  readonly money: AttemptMoney;
  readonly refusal: Refusal | undefined;
}

/**
 * What an order already did for the dial its own schedule call starts (a request due now is
 * claimed and dialed by the order's schedule call), so that the dial does not do it again.
 */
export interface OrderHandOff {
  /** The account the order read: the dial's admission reads it no more (issue #20: one statement less per callback). */
  readonly account: Account;
  /**
   * The order's slot in the turn's budget (engine.order), when it took one: its dial is the rest
   * of the same work and takes none of its own. An order placed without one (a redial ordered
   * during a talk) leaves its dial to take its own.
   */
  readonly slot: TurnSlot | undefined;
  /** An order due now dialed at once: its admission, made with its row (absent otherwise). */
  readonly admission?: OrderAdmission | undefined;
}

/**
 * The hand-offs of the orders being scheduled right now, by request. Kept only for the length of
 * the schedule call, so a row is never used later than the order that read it; a dial that starts
 * afterwards (a queued job, a retry, a scheduled callback) reads the account and takes a slot.
 */
export class OrderHandOffs {
  private readonly byRequest = new Map<string, OrderHandOff>();

  /** Runs `schedule` with `handOff` on offer to the dial of `requestId` it may start. */
  async during<T>(requestId: string, handOff: OrderHandOff, schedule: () => Promise<T>): Promise<T> {
    this.byRequest.set(requestId, handOff);
    try {
      return await schedule();
    } finally {
      this.byRequest.delete(requestId);
    }
  }

  /** The hand-off of the order of `requestId`, if that order is being scheduled right now; once. */
  take(requestId: string): OrderHandOff | undefined {
    const handOff = this.byRequest.get(requestId);
    this.byRequest.delete(requestId);
    return handOff;
  }
}
