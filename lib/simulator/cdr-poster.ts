import type { Logger } from 'winston';
import type { Clock, TimerHandle } from '../time/clock';

/** mod_json_cdr's `encode` param: `false` raw JSON, `true` a URL-encoded `cdr=` form, `base64`. */
export type JsonCdrEncoding = 'false' | 'true' | 'base64';

/** Where and how the simulator posts its CDRs, as json_cdr.conf.xml says for FreeSWITCH. */
export interface CdrTarget {
  /** The `url` param; `?uuid=<leg>` is appended, as mod_json_cdr does. */
  readonly url: string;
  /** The `cred` param, `user:password`, sent as HTTP basic. */
  readonly cred?: string;
  /** Default 'false', as freeswitch-conf has it. */
  readonly encode?: JsonCdrEncoding;
  /** Further tries after the first fails (default 3, as freeswitch-conf). */
  readonly retries?: number;
  /** Between tries (default 5000 ms: `delay` 5), on the simulator's clock. */
  readonly delayMs?: number;
  /**
   * mod_json_cdr posts from the channel's reporting state, and on a real switch the post often
   * reaches the controller before CHANNEL_HANGUP_COMPLETE does. `before-hangup-complete` posts
   * first and holds the event (and the channel, which uuid_exists still finds) until the first
   * try is answered; `after-hangup-complete` (default) posts once the event is out.
   */
  readonly timing?: 'before-hangup-complete' | 'after-hangup-complete';
}

/** The body and Content-Type mod_json_cdr sends for `encode`. */
export function encodeJsonCdr(json: string, encode: JsonCdrEncoding = 'false'): { body: string; contentType: string } {
  switch (encode) {
    case 'false':
      return { body: json, contentType: 'application/json' };
    case 'true':
      // switch_url_encode escapes `+` too, as encodeURIComponent does.
      return { body: `cdr=${encodeURIComponent(json)}`, contentType: 'application/x-www-form-urlencoded' };
    case 'base64':
      return { body: `cdr=${Buffer.from(json, 'utf8').toString('base64')}`, contentType: 'application/x-www-form-base64-encoded' };
  }
}

/**
 * Posts each ended leg's CDR the way mod_json_cdr does, without holding up the switch: in the
 * background, tried again `retries` times `delayMs` apart on anything but 2xx (or no answer),
 * then given up with a log line (FreeSWITCH would write it to its err-log-dir).
 */
export class CdrPoster {
  private inFlight = 0;
  private readonly timers = new Set<TimerHandle>();
  private readonly waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly target: CdrTarget,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Posts pending or waiting for a retry. */
  get pending(): number {
    return this.inFlight + this.timers.size;
  }

  /** Posts that failed and wait for their next try. */
  get retrying(): number {
    return this.timers.size;
  }

  /** Resolves when nothing is pending (a retry waiting on a manual clock keeps it open). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once the first try is answered (or failed); retries go on in the background. */
  post(legUuid: string, cdr: Record<string, unknown>): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.attempt(legUuid, encodeJsonCdr(JSON.stringify(cdr), this.target.encode), 0);
  }

  get postsBeforeHangupComplete(): boolean {
    return this.target.timing === 'before-hangup-complete';
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.wake();
  }

  private async attempt(legUuid: string, payload: { body: string; contentType: string }, tried: number): Promise<void> {
    this.inFlight += 1;
    let failure: string | undefined;
    try {
      const url = new URL(this.target.url);
      url.searchParams.set('uuid', legUuid);
      const headers: Record<string, string> = { 'Content-Type': payload.contentType, 'User-Agent': 'freeswitch-json/1.0' };
      if (this.target.cred) headers.Authorization = `Basic ${Buffer.from(this.target.cred, 'utf8').toString('base64')}`;
      const response = await fetch(url, { method: 'POST', headers, body: payload.body });
      await response.arrayBuffer();
      if (response.status < 200 || response.status > 299) failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    } finally {
      this.inFlight -= 1;
    }
    if (failure !== undefined && !this.closed) this.retry(legUuid, payload, tried + 1, failure);
    this.wake();
  }

  private retry(legUuid: string, payload: { body: string; contentType: string }, tried: number, failure: string): void {
    const retries = this.target.retries ?? 3;
    if (tried > retries) {
      this.logger.error('simulator: could not post the CDR; giving up', { legUuid, tries: tried, error: failure });
      return;
    }
    this.logger.warn('simulator: CDR post failed; retrying', { legUuid, try: tried, error: failure });
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(legUuid, payload, tried);
    }, this.target.delayMs ?? 5000);
    this.timers.add(timer);
  }

  private wake(): void {
    if (this.pending > 0) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
