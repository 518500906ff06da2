import type { EngineEventMap, LegChange, RequestChange } from '../callback/engine/events';
import { isFinalLegState } from '../callback/state/leg-state';
import type { HealthState } from '../esl/inbound-client';
import { NO_CAUSE, type ServiceMetrics } from './service-metrics';

/*
 * Adapters that feed ServiceMetrics from the objects the service already has. Each returns a
 * function that stops the tracking.
 */

/** The part of an InboundClient the gauge needs. */
export interface EslStateSource {
  readonly name: string;
  readonly state: HealthState;
  on(type: 'state', listener: (state: HealthState, reason: string) => void): () => void;
}

export function trackEslClient(metrics: ServiceMetrics, client: EslStateSource): () => void {
  metrics.setEslState(client.name, client.state);
  return client.on('state', (state) => metrics.setEslState(client.name, state));
}

/** The engine's event emitter (CallbackEngine's events). */
export interface EngineEventSource {
  on<K extends keyof EngineEventMap>(type: K, listener: (change: EngineEventMap[K]) => void): () => void;
}

/** Request transitions and leg outcomes become counters; live legs the in-progress gauge. */
export function trackEngineEvents(metrics: ServiceMetrics, events: EngineEventSource): () => void {
  const live = new Map<string, string>();
  const ended = new BoundedSet(1000);
  const onRequest = (change: RequestChange) => metrics.requests.inc({ state: change.to, cause: change.cause ?? NO_CAUSE });
  const onLeg = (change: LegChange) => {
    // A report after the leg's end (a replayed event) changes nothing.
    if (ended.has(change.legUuid)) return;
    if (isFinalLegState(change.state)) {
      live.delete(change.legUuid);
      ended.add(change.legUuid);
      metrics.legsEnded.inc({ role: change.role, status: change.status, cause: change.cause ?? NO_CAUSE });
    } else {
      live.set(change.legUuid, change.role);
    }
    metrics.legsInProgress.set({ role: change.role }, countRole(live, change.role));
  };
  const stops = [events.on('request', onRequest), events.on('leg', onLeg)];
  return () => stops.forEach((stop) => stop());
}

/** Remembers the last `limit` values: duplicates arrive moments after the original, not a thousand legs later. */
class BoundedSet {
  private readonly values = new Set<string>();
  constructor(private readonly limit: number) {}

  has(value: string): boolean {
    return this.values.has(value);
  }

  add(value: string): void {
    this.values.add(value);
    if (this.values.size > this.limit) {
      const [oldest] = this.values;
      if (oldest !== undefined) this.values.delete(oldest);
    }
  }
}

function countRole(live: Map<string, string>, role: string): number {
  let count = 0;
  for (const value of live.values()) if (value === role) count += 1;
  return count;
}

/** Times one originate; the node comes from its result (the pool picks it), or `failedNode` when it throws. */
export async function timeOriginate<T extends { node: string }>(metrics: ServiceMetrics, work: () => Promise<T>, failedNode = 'unknown'): Promise<T> {
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const result = await work();
    metrics.observeOriginate(result.node, seconds(), 'answered');
    return result;
  } catch (error) {
    metrics.observeOriginate(failedNode, seconds(), 'failed');
    throw error;
  }
}
