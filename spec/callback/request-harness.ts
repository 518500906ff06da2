import type { E164 } from '../../lib/domain/phone-number';
import { decide, type DecideContext, type Decision } from '../../lib/callback/state/decide';
import type { RequestEvent } from '../../lib/callback/state/request-events';
import type { RequestState } from '../../lib/callback/state/request-state';

export const SOURCE = '+14155550101' as E164;
export const DESTINATION = '+442071838750' as E164;
export const OTHER_DESTINATION = '+33142685300' as E164;
export const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

/** The parts of the context a request fixes; attempt, talked and now are tracked by the harness. */
export type Settings = Omit<DecideContext, 'attempt' | 'talked' | 'now'>;

export function settings(overrides: Partial<Settings> = {}): Settings {
  return {
    mode: 'source_first',
    destination: DESTINATION,
    retry: { maxRetries: 2, retryIntervalSeconds: 60 },
    ivr: { busyIvr: 'ivr/busy', failedIvr: 'ivr/failed', askAgainOnFailure: false },
    askAgainAfterTalk: false,
    ...overrides,
  };
}

const settingsDefaults = settings();

/**
 * Plays the engine's part: keeps the stored state, counts dial_a as an attempt, remembers that
 * the request talked, and moves the clock to a scheduled retry when `due` arrives.
 */
export class RequestHarness {
  state: RequestState = 'queued';
  attempt = 0;
  talked = false;
  now = T0;
  retryAt: number | undefined;
  readonly history: Array<{ from: RequestState; event: RequestEvent; decision: Decision }> = [];

  constructor(readonly settings: Settings = settingsDefaults) {}

  context(): DecideContext {
    return { ...this.settings, attempt: this.attempt, talked: this.talked, now: this.now };
  }

  send(event: RequestEvent): Decision {
    if (event.type === 'due' && this.retryAt !== undefined) this.now = Math.max(this.now, this.retryAt);
    const from = this.state;
    const decision = decide(from, event, this.context());
    this.history.push({ from, event, decision });
    this.state = decision.to;
    for (const action of decision.actions) {
      if (action.type === 'dial_a') this.attempt += 1;
      if (action.type === 'schedule_retry') this.retryAt = action.at;
    }
    if (decision.to === 'bridged') this.talked = true;
    return decision;
  }

  /** Sends each event and returns the states passed through, starting with the current one. */
  play(events: readonly RequestEvent[]): RequestState[] {
    const states: RequestState[] = [this.state];
    for (const event of events) states.push(this.send(event).to);
    return states;
  }
}
