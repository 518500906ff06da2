import http, { type RequestListener, type Server } from 'node:http';
import type { Logger } from '../log/logger';
import type { Clock } from '../time/clock';

/** http.maxConnections, http.headersTimeoutMs, http.requestTimeoutMs, http.keepAliveTimeoutMs. */
export interface ServerLimits {
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

/** A connection refused at the cap is logged at most this often, with how many were refused since. */
const DROP_LOG_INTERVAL_MS = 60_000;

/**
 * The HTTP server with bounded connections: a peer that sends its headers or body slowly is cut
 * (408) after the timeouts instead of holding a socket for minutes, and connections beyond the cap
 * are closed as they arrive. Node checks the timeouts every `connectionsCheckingInterval` (30 s by
 * default, longer than the timeouts themselves), so the interval follows the shorter timeout.
 */
export function createHttpServer(listener: RequestListener, limits: ServerLimits, deps: { logger: Logger; clock: Clock }): Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.max(25, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10))),
    },
    listener,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  let refused = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  server.on('drop', (peer?: { remoteAddress?: string }) => {
    refused += 1;
    const now = deps.clock.now();
    if (now - loggedAt < DROP_LOG_INTERVAL_MS) return;
    deps.logger.warn('HTTP connection refused: http.maxConnections reached', { maxConnections: limits.maxConnections, refused, lastFrom: peer?.remoteAddress });
    refused = 0;
    loggedAt = now;
  });
  return server;
}
