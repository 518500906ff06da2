import { InvalidOrder } from '../callback/engine/order';
import type { OrderRefusal } from '../domain/order-refusal';
import type { E164 } from '../domain/phone-number';
import type { CallbackRequest } from '../store/callback-requests';
import type { CallbackOrdering, OrderOutcome, PastCallback, SmsCallbackOrder } from './ports';

/** The engine's placeOrder once bound to its context (tests hand in their own). */
export type PlaceOrder = (order: {
  accountId: number;
  trigger: 'sms';
  source: string;
  destination: string;
  mode: 'source_first' | 'simultaneous';
  dueAt?: number;
  idempotencyKey: string;
  bySubscriber: true;
}) => Promise<{ request: Pick<CallbackRequest, 'id' | 'dueAt'>; created: boolean }>;

export interface RecentRequests {
  list(options: { accountId: number; limit: number }): Promise<readonly Pick<CallbackRequest, 'id' | 'source' | 'destination' | 'mode'>[]>;
}

export interface EngineOrderingOptions {
  /** Turns an error the engine throws for an order it refuses into the refusal to say; others propagate. */
  refusalOf?: (error: unknown) => OrderRefusal | undefined;
  /** How many recent requests #redial looks through for one with a destination. */
  redialLookback?: number;
}

/** The engine throws InvalidOrder (its English `issues` and a `code`) for an order it will not take. */
function defaultRefusalOf(error: unknown): OrderRefusal | undefined {
  return error instanceof InvalidOrder ? { code: error.code, reason: error.issues } : undefined;
}

/** Adapts the engine's placeOrder and the request store to the SMS module's port. */
export function engineOrdering(place: PlaceOrder, requests: RecentRequests, options: EngineOrderingOptions = {}): CallbackOrdering {
  const refusalOf = options.refusalOf ?? defaultRefusalOf;
  return {
    async order(order: SmsCallbackOrder): Promise<OrderOutcome> {
      try {
        const { request, created } = await place({ ...order });
        return { ok: true, id: request.id, dueAt: request.dueAt, created };
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal === undefined) throw error;
        return { ok: false, refusal };
      }
    },
    async lastRequestFor(accountId: number): Promise<PastCallback | null> {
      const recent = await requests.list({ accountId, limit: options.redialLookback ?? 20 });
      const last = recent.find((request) => request.destination !== null);
      if (!last || last.destination === null) return null;
      return { id: last.id, source: last.source, destination: last.destination as E164, mode: last.mode };
    },
  };
}
