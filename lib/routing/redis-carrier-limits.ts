import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { errorText } from '../esl/listeners';
import type { Logger } from '../log/logger';
import type { Clock, TimerHandle } from '../time/clock';
import type { CarrierLimiter, CarrierSlot, LimitedCarrier, LimitRefusal } from './carrier-limiter';

/**
 * One check-and-take, atomic in Redis so that two controllers never both take a carrier's last
 * channel or last call of the second.
 * KEYS[1]: the carrier's channel leases (member → expiry); KEYS[2]: its calls of the last second
 * (member → when). ARGV: now, the lease's expiry, the member, maxChannels and maxCps (-1: none),
 * how long the keys outlive their last use (garbage collection of carriers no longer called).
 */
const TAKE_SCRIPT = `
local now = tonumber(ARGV[1])
local maxChannels = tonumber(ARGV[4])
local maxCps = tonumber(ARGV[5])
if maxChannels >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= maxChannels then return 'max_channels' end
end
if maxCps >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 1000)
  if redis.call('ZCARD', KEYS[2]) >= maxCps then return 'max_cps' end
  redis.call('ZADD', KEYS[2], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
end
if maxChannels >= 0 then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
end
return 'ok'
`;
const TAKE_SHA = createHash('sha1').update(TAKE_SCRIPT).digest('hex');

/** What a carrier without a channel limit holds: nothing to give back. */
const NOTHING_HELD: CarrierSlot = { release: () => undefined };

export interface RedisCarrierLimitsOptions {
  readonly url: string;
  /** The deployment's key prefix (`queue.prefix`): controllers sharing it share a database, so carrier ids mean the same. */
  readonly prefix: string;
  /** How long a channel stays counted after its controller last refreshed it (`routing.carrierLeaseSeconds`). */
  readonly leaseMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a check may wait for Redis before the carrier counts as at its limit for the try. */
  readonly commandTimeoutMs?: number;
}

/**
 * Per-carrier limits counted in Redis, shared by every controller of a deployment (issue #17):
 * two controllers on one carrier contracted for 30 channels hold 30 between them, not 60.
 *
 * A channel is a lease: a member of the carrier's sorted set scored by its expiry, refreshed
 * every third of the lease while the leg lives and removed when it ends. A controller that dies
 * stops refreshing, and its channels are pruned by the next take after one lease at most. Calls
 * per second are a sliding one-second window (a sorted set of the last second's calls).
 *
 * Times are the controllers' clocks (injected; NTP keeps them within milliseconds, which the
 * window and the leases tolerate). Redis unreachable at a take: the carrier counts as at its
 * limit for that try (`limits_unreachable`), so the leg tries the next carrier or fails with
 * congestion and is retried; a carrier without limits never asks Redis.
 */
export class RedisCarrierLimits implements CarrierLimiter {
  private readonly redis: Redis;
  /** The channels this controller holds: member → its carrier's lease key. */
  private readonly leases = new Map<string, string>();
  private refreshTimer: TimerHandle | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: RedisCarrierLimitsOptions) {
    // A take waits at most commandTimeoutMs, also while ioredis reconnects: a dial does not hang on
    // Redis. A stop does not either: a dead connection is let go of after 200 ms, not ioredis's 2 s.
    this.redis = new Redis(options.url, { maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs ?? 1_000, disconnectTimeout: 200 });
    this.redis.on('error', (error: Error) => options.logger.debug('carrier limits: Redis connection error', { error: error.message }));
  }

  async tryTake(carrier: LimitedCarrier): Promise<CarrierSlot | LimitRefusal> {
    if (carrier.maxChannels === null && carrier.maxCps === null) return NOTHING_HELD;
    const member = randomUUID();
    const channelsKey = this.channelsKey(carrier.id);
    const now = this.options.clock.now();
    let verdict: unknown;
    try {
      verdict = await this.take(
        [channelsKey, this.key(carrier.id, 'cps')],
        [now, now + this.options.leaseMs, member, carrier.maxChannels ?? -1, carrier.maxCps ?? -1, this.keyTtlMs],
      );
    } catch (error) {
      this.options.logger.warn('carrier limits cannot be checked in Redis: the carrier counts as at its limit for this try', { carrierId: carrier.id, error: errorText(error) });
      return 'limits_unreachable';
    }
    if (verdict === 'max_channels' || verdict === 'max_cps') return verdict;
    if (verdict !== 'ok') throw new Error(`carrier limits: unexpected answer from Redis: ${String(verdict)}`);
    return carrier.maxChannels === null ? NOTHING_HELD : this.leased(channelsKey, member);
  }

  hold(carrier: LimitedCarrier): CarrierSlot {
    if (carrier.maxChannels === null) return NOTHING_HELD;
    const member = randomUUID();
    const key = this.channelsKey(carrier.id);
    // Not counted now (Redis away): the next refresh adds it.
    this.redis
      .zadd(key, this.options.clock.now() + this.options.leaseMs, member)
      .catch((error: unknown) => this.options.logger.warn('an adopted carrier channel could not be counted in Redis', { carrierId: carrier.id, error: errorText(error) }));
    return this.leased(key, member);
  }

  /** The carrier's channels held now by every controller (leases not yet expired on our clock). */
  async channels(carrierId: number): Promise<number> {
    return this.redis.zcount(this.channelsKey(carrierId), `(${this.options.clock.now()}`, '+inf');
  }

  /** Resolves once the last lease refresh sent has been answered. */
  whenRefreshed(): Promise<void> {
    return this.refreshing;
  }

  /**
   * Stops refreshing and disconnects. The channels still held are not given back: a clean stop
   * hands its talks over to another controller, and they stay counted until their leases expire.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.refreshTimer?.cancel();
    this.refreshTimer = undefined;
    await this.refreshing;
    // Not connected: nothing to say goodbye to, and a QUIT would wait for a reconnect.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private leased(key: string, member: string): CarrierSlot {
    this.leases.set(member, key);
    this.scheduleRefresh();
    return {
      release: () => {
        if (!this.leases.delete(member)) return;
        // Not given back (Redis away): the lease expires instead.
        this.redis.zrem(key, member).catch((error: unknown) => this.options.logger.warn('carrier channel not given back in Redis; its lease will expire', { error: errorText(error) }));
      },
    };
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer || this.closed || this.leases.size === 0) return;
    this.refreshTimer = this.options.clock.setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshing = this.refresh();
      this.scheduleRefresh();
    }, Math.max(1, Math.floor(this.options.leaseMs / 3)));
  }

  /**
   * Pushes every held lease's expiry one lease ahead. A lease found gone (it expired while Redis
   * was away, or an adopted channel could not be counted) is added again: its leg is up, so its
   * channel is in use, even if that puts the carrier above its limit for a while.
   */
  private async refresh(): Promise<void> {
    const held = [...this.leases];
    const expiry = this.options.clock.now() + this.options.leaseMs;
    const pipeline = this.redis.pipeline();
    // Sent before any later release's ZREM on this connection, so a channel given back meanwhile is not added again.
    for (const [member, key] of held) pipeline.zadd(key, expiry, member);
    for (const key of new Set(held.map(([, key]) => key))) pipeline.pexpire(key, this.keyTtlMs);
    try {
      const results = (await pipeline.exec()) ?? [];
      const readded = held.filter((_, index) => results[index]?.[1] === 1).length;
      if (readded > 0) this.options.logger.warn('carrier channels whose leases had expired (Redis away longer than a lease?) are counted again', { channels: readded });
    } catch (error) {
      this.options.logger.warn('carrier channel leases not refreshed in Redis; retried at the next refresh', { error: errorText(error) });
    }
  }

  private async take(keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await this.redis.evalsha(TAKE_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      // Redis restarted (or another controller's script cache was flushed): send the script itself once.
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return this.redis.eval(TAKE_SCRIPT, keys.length, ...keys, ...args);
    }
  }

  /** Keys outlive their last take or refresh by two leases (at least a minute), then Redis drops them. */
  private get keyTtlMs(): number {
    return Math.max(60_000, 2 * this.options.leaseMs);
  }

  private channelsKey(carrierId: number): string {
    return this.key(carrierId, 'channels');
  }

  private key(carrierId: number, what: 'channels' | 'cps'): string {
    return `${this.options.prefix}:carrier-limits:${carrierId}:${what}`;
  }
}
