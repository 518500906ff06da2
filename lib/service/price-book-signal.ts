import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../log/logger';
import type { PriceBookChanges } from '../store/price-book-changes';

export interface PriceBookSignalOptions {
  /** queue.url: the Redis the controllers of one database share. */
  readonly url: string;
  /** queue.prefix: controllers sharing it share the database too. */
  readonly prefix: string;
  /** A controller listens (its price cache drops what others changed); the CLI only announces. */
  readonly listen: boolean;
  readonly logger: Logger;
}

/** Stops the signal; resolves once what this process announced has been sent (or given up). */
export type StopSignal = () => Promise<void>;

/**
 * With `queue.driver=redis`, the price book changes (price-book-changes.ts) of every process on
 * one database reach every controller at once, instead of within `billing.rateCacheSeconds`:
 *
 * - each price write of this process is announced on `<queue.prefix>:price-book-changes`; the
 *   connection is made at the first one, so a CLI command that writes no price never touches
 *   Redis. A lost announcement (Redis away) is logged and leaves the others on that bound.
 * - a listener drops its cached prices on another process's announcement (its own are ignored:
 *   its writes dropped them already). Announcements made while its subscription is down are lost,
 *   so when it is back everything cached is dropped once.
 */
export async function startPriceBookSignal(changes: PriceBookChanges, options: PriceBookSignalOptions): Promise<StopSignal> {
  const channel = `${options.prefix}:price-book-changes`;
  const self = randomUUID();
  let publisher: Redis | undefined;
  let sending: Promise<unknown> = Promise.resolve();
  const off = changes.onChange(() => {
    publisher ??= connect(options, true);
    const connection = publisher;
    sending = sending.then(() =>
      connection.publish(channel, self).catch((error: unknown) => {
        options.logger.warn('could not announce a price change on Redis; other controllers see it within billing.rateCacheSeconds', { error: errorText(error) });
      }),
    );
  });
  const subscriber = options.listen ? connect(options, false) : undefined;
  if (subscriber) {
    let lost = false;
    subscriber.on('message', (from: string, sender: string) => {
      if (from === channel && sender !== self) changes.changedElsewhere();
    });
    subscriber.on('close', () => void (lost = true));
    subscriber.on('ready', () => {
      if (!lost) return;
      lost = false;
      changes.changedElsewhere();
    });
    await subscriber.subscribe(channel);
  }
  return async () => {
    off();
    await sending;
    await Promise.all([publisher?.quit().catch(() => undefined), subscriber?.quit().catch(() => undefined)]);
  };
}

function connect(options: PriceBookSignalOptions, lazyConnect: boolean): Redis {
  const redis = new Redis(options.url, { maxRetriesPerRequest: 1, commandTimeout: 1_000, disconnectTimeout: 200, lazyConnect });
  redis.on('error', (error: Error) => options.logger.debug('price book signal: Redis connection error', { error: error.message }));
  return redis;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
