import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log/logger';
import type { Store } from '../../store';
import type { Clock } from '../../time/clock';
import type { EngineEventSource } from '../live/fanout';
import { legPayload, requestPayload } from '../live/live-event';
import { guardedPost, type WebhookPost } from './guarded-post';
import { SIGNATURE_HEADER, sign } from './signature';
import { WebhookTargetRefused } from './target-policy';
import type { WebhookTargets } from './webhook-targets';
import { maskUrlCredentials } from './webhook-url';

export type { WebhookPost } from './guarded-post';

export interface StatusWebhookOptions {
  store: Pick<Store, 'callbackRequests'>;
  clock: Clock;
  logger: Logger;
  /** HMAC key receivers verify the signature with. */
  secret: string;
  /** Where deliveries may connect (SSRF guard). */
  targets: WebhookTargets;
  /** Tries per event, the first included (default 6). */
  maxAttempts?: number;
  /** Delay before the first retry, doubled for each next one (default 2 s). */
  baseDelayMs?: number;
  timeoutMs?: number;
  post?: WebhookPost;
}

/**
 * W3 status webhooks: each request or leg change of a request with a statusWebhookUrl is POSTed
 * there, signed, and retried with exponential backoff on the Clock. Only changes are posted: the
 * order itself is answered by the API, and a call scheduled for next year posts nothing until it
 * moves. A target the SSRF guard refuses is given up at once, not retried. Fed from this instance's
 * engine only, so each change is sent once (by the instance running the call). The engine's
 * listener only queues: a slow or dead receiver never delays a call. Per request the changes
 * are sent in order (one waits for the previous one's retries).
 */
export class StatusWebhooks {
  private readonly urls = new Map<string, Promise<string | null>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly post: WebhookPost;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private closed = false;

  constructor(private readonly options: StatusWebhookOptions) {
    this.post = options.post ?? guardedPost(options.targets, options.timeoutMs ?? 5_000);
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 2_000;
  }

  attach(source: EngineEventSource): () => void {
    const offRequest = source.on('request', (change) => {
      if (change.event !== 'ordered') this.enqueue(change.requestId, { type: 'request', ...requestPayload(change) });
    });
    const offLeg = source.on('leg', (change) => this.enqueue(change.requestId, { type: 'leg', ...legPayload(change) }));
    return () => {
      offRequest();
      offLeg();
    };
  }

  /** Resolves when every queued delivery has succeeded or given up. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  close(): void {
    this.closed = true;
  }

  private enqueue(requestId: string, payload: Record<string, unknown>): void {
    if (this.closed) return;
    const previous = this.chains.get(requestId) ?? Promise.resolve();
    const next = previous
      .then(() => this.deliver(requestId, payload))
      .catch((error: unknown) => {
        this.options.logger.warn('status webhook failed', { requestId, error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        if (this.chains.get(requestId) === next) this.chains.delete(requestId);
      });
    this.chains.set(requestId, next);
  }

  private urlOf(requestId: string): Promise<string | null> {
    let url = this.urls.get(requestId);
    if (!url) {
      url = this.options.store.callbackRequests.findById(requestId).then((r) => r?.statusWebhookUrl ?? null);
      this.urls.set(requestId, url);
      // The URL never changes; the cache is only kept while the request is active.
      if (this.urls.size > 10_000) this.urls.delete(this.urls.keys().next().value ?? '');
    }
    return url;
  }

  private async deliver(requestId: string, payload: Record<string, unknown>): Promise<void> {
    const url = await this.urlOf(requestId);
    if (!url) return;
    const body = JSON.stringify({ id: randomUUID(), ...payload });
    for (let attempt = 1; attempt <= this.maxAttempts && !this.closed; attempt += 1) {
      const headers = { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: sign(this.options.secret, body, this.options.clock.now()), 'X-Callback-Attempt': String(attempt) };
      let outcome: string;
      try {
        const status = await this.post(url, body, headers);
        if (status >= 200 && status < 300) return;
        outcome = `HTTP ${status}`;
      } catch (error) {
        if (error instanceof WebhookTargetRefused) {
          this.options.logger.warn('status webhook refused', { requestId, url: maskUrlCredentials(url), reason: error.message });
          return;
        }
        outcome = error instanceof Error ? error.message : String(error);
      }
      if (attempt === this.maxAttempts) {
        this.options.logger.warn('status webhook given up', { requestId, url: maskUrlCredentials(url), attempts: attempt, outcome });
        return;
      }
      const delay = this.baseDelayMs * 2 ** (attempt - 1);
      this.options.logger.info('status webhook will be retried', { requestId, attempt, delayMs: delay, outcome });
      await new Promise<void>((resolve) => this.options.clock.setTimeout(resolve, delay));
    }
  }
}
