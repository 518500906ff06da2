import type { Knex } from 'knex';
import { Redis } from 'ioredis';
import type { HealthState } from '../esl/inbound-client';
import type { ReadinessCheck } from '../http/health';

/*
 * /readyz checks (lib/http/health.ts runs them, each within 2 s). They answer from state that is
 * cheap to read: a `select 1`, a PING on a connection kept open for the purpose, and the ESL
 * client's own connection state, so a scrape every few seconds costs nothing.
 */

export function databaseReadiness(db: Knex): ReadinessCheck {
  return {
    name: 'database',
    check: async () => {
      await db.raw('select 1');
      return { ok: true };
    },
  };
}

export interface RedisReadiness extends ReadinessCheck {
  close(): Promise<void>;
}

/**
 * Its own connection, so the answer is about Redis and not about a busy BullMQ connection. It
 * never queues commands while disconnected (a PING then fails at once instead of waiting) and
 * keeps reconnecting in the background, so readiness comes back with Redis.
 */
export function redisReadiness(url: string, options: { name?: string; timeoutMs?: number } = {}): RedisReadiness {
  const timeoutMs = options.timeoutMs ?? 1000;
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    // How long disconnect() waits for a half-open socket; the default 2 s would keep a stopping process alive.
    disconnectTimeout: 200,
    retryStrategy: (times) => Math.min(times * 250, 2000),
    connectionName: 'callback:readiness',
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    lastError = error.message;
  });
  return {
    name: options.name ?? 'redis',
    async check() {
      if (redis.status !== 'ready') return { ok: false, detail: lastError === '' ? redis.status : `${redis.status}: ${lastError}` };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ ok: false; detail: string }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no PONG within ${timeoutMs} ms` }), timeoutMs);
      });
      try {
        return await Promise.race([redis.ping().then(() => ({ ok: true })), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}

/** Ready while the node's inbound ESL connection is authenticated and subscribed. */
export function eslReadiness(client: { readonly name: string; readonly state: HealthState }): ReadinessCheck {
  return {
    name: `freeswitch:${client.name}`,
    check: async () => (client.state === 'ready' ? { ok: true } : { ok: false, detail: client.state }),
  };
}
