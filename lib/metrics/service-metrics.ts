import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthState } from '../esl/inbound-client';
import type { QueueCounts } from '../scheduler/dial-queue';

/** ESL connection state as a number, so that alerts can say `callback_esl_connection_state < 2`. */
export const ESL_STATE_VALUE: { readonly [S in HealthState]: number } = { down: 0, connecting: 1, ready: 2 };

/** What `/metrics` exposes besides Node's defaults; `none` stands for "no cause". */
export const NO_CAUSE = 'none';

/** Originate latency: answered legs take seconds (ring time), refusals milliseconds. */
const ORIGINATE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90];

export type QueueSource = () => Promise<QueueCounts>;

const QUEUE_TIMEOUT_MS = 1000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The service's Prometheus metrics on a registry of its own (not prom-client's global one), so
 * that two services in one process, or two tests, never share counters.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'state' | 'cause'>;
  readonly legsEnded: Counter<'role' | 'status' | 'cause'>;
  readonly legsInProgress: Gauge<'role'>;
  readonly originateSeconds: Histogram<'node' | 'outcome'>;
  readonly queueJobs: Gauge<'state'>;
  readonly eslState: Gauge<'node'>;
  private queueSource: QueueSource | null = null;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'callback_requests_total',
      help: 'Callback requests entering a state, by state and the hangup cause or reason that moved them (the final states give the outcomes).',
      labelNames: ['state', 'cause'],
      registers,
    });
    this.legsEnded = new Counter({
      name: 'callback_legs_ended_total',
      help: 'Call legs that ended, by role (A, B, C), live status and hangup cause.',
      labelNames: ['role', 'status', 'cause'],
      registers,
    });
    this.legsInProgress = new Gauge({
      name: 'callback_legs_in_progress',
      help: 'Call legs of this instance being dialed, ringing, answered or bridged, by role.',
      labelNames: ['role'],
      registers,
    });
    this.originateSeconds = new Histogram({
      name: 'callback_originate_duration_seconds',
      help: 'Time from sending an originate to FreeSWITCH until it answered or failed, by node and outcome.',
      labelNames: ['node', 'outcome'],
      buckets: ORIGINATE_BUCKETS,
      registers,
    });
    const source = () => this.queueSource;
    this.queueJobs = new Gauge({
      name: 'callback_queue_jobs',
      help: 'Dial jobs in the scheduler queue by state (waiting, delayed, active, failed), read at scrape time.',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = source();
        if (!counts) return;
        try {
          for (const [state, value] of Object.entries(await withTimeout(counts(), QUEUE_TIMEOUT_MS))) this.set({ state }, value);
        } catch {
          // An unreachable queue must not fail the whole scrape; its series vanish until it answers.
          this.reset();
        }
      },
    });
    this.eslState = new Gauge({
      name: 'callback_esl_connection_state',
      help: 'Inbound Event Socket connection per FreeSWITCH node: 0 down, 1 connecting, 2 ready.',
      labelNames: ['node'],
      registers,
    });
    // Includes nodejs_eventloop_lag_seconds and its percentiles (O4's event-loop lag).
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Where queue depth is read from at scrape time (the scheduler's counts()). */
  setQueueSource(source: QueueSource | null): void {
    this.queueSource = source;
  }

  setEslState(node: string, state: HealthState): void {
    this.eslState.set({ node }, ESL_STATE_VALUE[state]);
  }

  observeOriginate(node: string, seconds: number, outcome: 'answered' | 'failed'): void {
    this.originateSeconds.observe({ node, outcome }, seconds);
  }
}
