import { Redis } from 'ioredis';
import type { EngineEventMap } from '../../callback/engine/events';
import type { Logger } from '../../log/logger';
import type { Store } from '../../store';
import { isLiveEvent, type LiveEvent } from './live-event';

/** Anything with the engine's `on` (the engine itself). */
export interface EngineEventSource {
  on<K extends keyof EngineEventMap>(type: K, listener: (change: EngineEventMap[K]) => void): () => void;
}

export interface FanoutOptions {
  store: Pick<Store, 'callbackRequests'>;
  logger: Logger;
  /** With several controller instances: every change goes through this Redis, so any instance serves any stream. */
  redisUrl?: string;
  /** Pub/sub channel; instances sharing one must share a database too. */
  channel?: string;
}

export interface StreamFilter {
  requestId?: string;
  /** undefined with no requestId: every account (operator). */
  accountId?: number;
}

type Listener = (event: LiveEvent) => void;

const OWNER_CACHE_SIZE = 10_000;

/**
 * W3: engine changes → live streams. Leg changes do not name their account, so the owner is
 * learnt from the request's changes (or read once from the store); lookups are chained so the
 * events leave in the order the engine emitted them.
 *
 * Without Redis, events go straight to this process's streams. With Redis they are published
 * and every instance (this one included) delivers what it receives, so each stream gets every
 * event exactly once, whichever instance runs the call.
 */
export class EventFanout {
  private readonly listeners = new Set<{ filter: StreamFilter; listener: Listener }>();
  private readonly owners = new Map<string, number>();
  private readonly detach: Array<() => void> = [];
  private readonly channel: string;
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private tail: Promise<void> = Promise.resolve();
  /** Whether our subscriber listens on the channel right now (false while Redis is away or just back). */
  private subscribed = false;
  /** Messages delivered here while not subscribed, so that one arriving after all is not delivered twice. */
  private readonly deliveredUnsubscribed = new Set<string>();

  constructor(private readonly options: FanoutOptions) {
    this.channel = options.channel ?? 'callback:live-events';
  }

  /** Connects to Redis when configured; resolves once subscribed. */
  async start(): Promise<void> {
    if (!this.options.redisUrl) return;
    this.publisher = new Redis(this.options.redisUrl, { maxRetriesPerRequest: 3 });
    // Subscribing again after a reconnect is ours (not ioredis's autoResubscribe), so that we know
    // when the channel is listened to again: until then this instance delivers its own events.
    const subscriber = new Redis(this.options.redisUrl, { maxRetriesPerRequest: 3, autoResubscribe: false });
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    subscriber.on('close', () => void (this.subscribed = false));
    subscriber.on('error', (error: Error) => this.options.logger.debug('live events subscriber error', { error: error.message }));
    subscriber.on('ready', () => {
      if (this.subscribed) return;
      subscriber.subscribe(this.channel).then(
        () => void (this.subscribed = subscriber.status === 'ready'),
        (error: unknown) => this.options.logger.warn('could not subscribe to live events', { error: error instanceof Error ? error.message : String(error) }),
      );
    });
    await subscriber.subscribe(this.channel);
    this.subscribed = true;
  }

  /** Feeds this fanout from an engine (only the instance's own engine: Redis carries the rest). */
  attach(source: EngineEventSource): () => void {
    const offRequest = source.on('request', (change) => {
      this.remember(change.requestId, change.accountId);
      this.enqueue(async () => ({ kind: 'request', accountId: change.accountId, requestId: change.requestId, change }));
    });
    const offLeg = source.on('leg', (change) => {
      this.enqueue(async () => {
        const accountId = await this.ownerOf(change.requestId);
        return accountId === null ? null : { kind: 'leg', accountId, requestId: change.requestId, change };
      });
    });
    const off = (): void => {
      offRequest();
      offLeg();
    };
    this.detach.push(off);
    return off;
  }

  subscribe(filter: StreamFilter, listener: Listener): () => void {
    const entry = { filter, listener };
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** Resolves when every event taken so far has been handed on (tests, shutdown). */
  flushed(): Promise<void> {
    return this.tail;
  }

  async close(): Promise<void> {
    for (const off of this.detach.splice(0)) off();
    await this.tail;
    this.listeners.clear();
    await Promise.all([this.subscriber?.quit().catch(() => undefined), this.publisher?.quit().catch(() => undefined)]);
    this.subscriber = this.publisher = null;
  }

  private enqueue(make: () => Promise<LiveEvent | null>): void {
    this.tail = this.tail
      .then(make)
      .then((event) => (event ? this.publish(event) : undefined))
      .catch((error: unknown) => {
        this.options.logger.warn('live event dropped', { error: error instanceof Error ? error.message : String(error) });
      });
  }

  private async publish(event: LiveEvent): Promise<void> {
    if (!this.publisher) return this.deliver(event);
    const message = JSON.stringify(event);
    // Not listening (Redis restarting): this instance's streams get it now, the others when it lands.
    const local = !this.subscribed;
    if (local) {
      this.deliver(event);
      this.deliveredUnsubscribed.add(message);
      if (this.deliveredUnsubscribed.size > OWNER_CACHE_SIZE) this.deliveredUnsubscribed.clear();
    }
    try {
      await this.publisher.publish(this.channel, message);
    } catch (error) {
      if (local) return;
      // Better this instance's clients see it than nobody.
      this.options.logger.warn('publishing a live event to Redis failed; delivering locally', { error: error instanceof Error ? error.message : String(error) });
      this.deliver(event);
    }
  }

  private receive(message: string): void {
    if (this.deliveredUnsubscribed.delete(message)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (isLiveEvent(parsed)) this.deliver(parsed);
  }

  private deliver(event: LiveEvent): void {
    for (const { filter, listener } of [...this.listeners]) {
      if (filter.requestId !== undefined ? filter.requestId !== event.requestId : filter.accountId !== undefined && filter.accountId !== event.accountId) continue;
      try {
        listener(event);
      } catch (error) {
        this.options.logger.warn('live stream listener threw', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  private remember(requestId: string, accountId: number): void {
    this.owners.delete(requestId);
    this.owners.set(requestId, accountId);
    if (this.owners.size > OWNER_CACHE_SIZE) {
      const oldest = this.owners.keys().next().value;
      if (oldest !== undefined) this.owners.delete(oldest);
    }
  }

  private async ownerOf(requestId: string): Promise<number | null> {
    const known = this.owners.get(requestId);
    if (known !== undefined) return known;
    const request = await this.options.store.callbackRequests.findById(requestId);
    if (!request) return null;
    this.remember(requestId, request.accountId);
    return request.accountId;
  }
}
