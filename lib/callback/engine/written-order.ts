import type { Account, CallbackRequest } from '../../store';
import type { PlannedRequest } from '../../store/callback-requests';
import { readEachAccountOnce } from './account-reads';
import { AttemptMoney } from './attempt-money';
import type { EngineContext } from './context';
import type { Refusal } from './funds';
import type { OrderAdmission } from './order-hand-offs';
import { requestSettings } from './request-settings';
import { whileClientWaits } from './until-written';

export interface WrittenOrder {
  readonly request: CallbackRequest;
  /** False when the idempotency key had been used: the earlier request, nothing written, nothing held. */
  readonly created: boolean;
  /** Of a row written: what its dial is handed (OrderHandOff). */
  readonly admission?: OrderAdmission;
}

/**
 * Issue #20: an order due now that this process dials at once (its row inserted claimed, the
 * scheduler's DialSlot) is admitted before its row is written: its settings, its prices and its
 * first holds, and the row is the first write of the holds' transaction. One commit and one round
 * trip less between the order and A's originate; the dial goes on from there (the A5 limit, A's
 * row). What each guarantee rests on (lib/callback/engine/README.md, "Order → first originate"):
 * - exactly once: the row is still inserted claimed, so only this order dials it;
 * - B3: the holds commit with the row or not at all; a call refused by its pricing or its funds
 *   has its row written alone, as any order's, and its dial refuses it with that refusal
 *   (audited, reported failed), in the order the admission refuses (funds before the A5 limit);
 * - idempotency: a used key is found before anything is priced; one used meanwhile fails the
 *   unique index inside the transaction, which then writes neither the row nor a hold;
 * - a failure (an outage, a lost answer) fails the order as its INSERT alone did: neither the
 *   reads before the transaction (settings, prices) nor the transaction wait an outage out, since
 *   the order's client is waiting (the API answers 503, nothing written). Had it committed, the
 *   row is claimed and has no leg: its lease runs out and the recovery queues it again and
 *   releases its holds (`recover.ts`).
 */
export async function writeWithFirstHolds(ctx: EngineContext, planned: PlannedRequest, account: Account): Promise<WrittenOrder> {
  const { store } = ctx;
  const earlier = await store.callbackRequests.earlierWithKey(planned);
  if (earlier) return { request: earlier, created: false };
  const { request } = planned;
  const accounts = readEachAccountOnce(store, account);
  const scope = await requestSettings(whileClientWaits(ctx), request, accounts);
  const money = new AttemptMoney({ ...ctx, ...scope });
  let inHolds = false;
  let refusal: Refusal | undefined;
  try {
    refusal = await money.prepare(request, accounts, async (tx) => {
      inHolds = true;
      await tx.callbackRequests.insertPlanned(planned);
    });
  } catch (error) {
    return { request: await store.callbackRequests.lostTo(planned, error), created: false };
  }
  // A committed hold transaction wrote the row; a refused one wrote nothing, and none was written
  // when nothing is held (the operator's leg A) or the pricing refused: the row then goes alone.
  if (refusal !== undefined || !inHolds) {
    try {
      await store.callbackRequests.insertPlanned(planned);
    } catch (error) {
      return { request: await store.callbackRequests.lostTo(planned, error), created: false };
    }
  }
  return { request, created: true, admission: { scope, money, refusal } };
}
