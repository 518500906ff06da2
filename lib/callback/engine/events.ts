import type { HangupCause } from '../../esl/hangup-causes';
import type { Logger } from '../../log/logger';
import type { LegState } from '../state/leg-state';
import type { LiveStatus } from '../state/live-status';
import type { LegRole } from '../../store/legs';
import type { RequestEventType } from '../state/request-events';
import type { RequestState } from '../state/request-state';

/** A persisted move of a request, for the API's live status and webhooks (W3). */
export interface RequestChange {
  readonly requestId: string;
  readonly accountId: number;
  /** null for a request just ordered. */
  readonly from: RequestState | null;
  readonly to: RequestState;
  readonly event: RequestEventType | 'ordered' | 'recovered';
  /** The hangup cause or refusal reason that moved it, when there is one. */
  readonly cause: string | null;
  readonly at: number;
}

/** A leg's status as W3 shows it (queued, dialing, ringing, answered, busy, no-answer, failed, bridged, completed). */
export interface LegChange {
  readonly requestId: string;
  readonly legUuid: string;
  /** A, B, or C: a leg an in-call feature added. */
  readonly role: LegRole;
  readonly attempt: number;
  readonly status: LiveStatus;
  readonly state: LegState;
  readonly cause: HangupCause | null;
  readonly at: number;
}

export interface EngineEventMap {
  request: RequestChange;
  leg: LegChange;
}

type Listener<K extends keyof EngineEventMap> = (change: EngineEventMap[K]) => void;

/**
 * The engine's outward events. A listener that throws is logged and skipped: the API's SSE
 * stream must never be able to break a call.
 */
export class EngineEvents {
  private readonly listeners: { [K in keyof EngineEventMap]: Set<Listener<K>> } = { request: new Set(), leg: new Set() };

  constructor(private readonly logger: Logger) {}

  on<K extends keyof EngineEventMap>(type: K, listener: Listener<K>): () => void {
    const set = this.listeners[type] as Set<Listener<K>>;
    set.add(listener);
    return () => void set.delete(listener);
  }

  emit<K extends keyof EngineEventMap>(type: K, change: EngineEventMap[K]): void {
    for (const listener of [...(this.listeners[type] as Set<Listener<K>>)]) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error('engine event listener threw; ignored', { type, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
