import http from 'node:http';
import https from 'node:https';
import type { WebhookTargets } from './webhook-targets';

/** Posts a body; resolves with the HTTP status, rejects on network errors, timeouts and refused targets. */
export type WebhookPost = (url: string, body: string, headers: Record<string, string>) => Promise<number>;

/**
 * A POST that connects only where `targets` allows, checked on the address the socket actually
 * connects to. The lookup is given per request rather than to a shared agent because the policy
 * needs the port, and without keep-alive (agent: false) so no socket outlives its check.
 * Redirects are not followed, and the answer's body is never read.
 */
export function guardedPost(targets: WebhookTargets, timeoutMs: number): WebhookPost {
  return (url, body, headers) =>
    new Promise<number>((resolve, reject) => {
      const route = targets.route(url);
      const request = (route.url.protocol === 'https:' ? https : http).request(
        route.url,
        {
          method: 'POST',
          agent: false,
          lookup: route.lookup,
          signal: AbortSignal.timeout(timeoutMs),
          headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)), ...(route.authorization ? { Authorization: route.authorization } : {}) },
        },
        (response) => {
          resolve(response.statusCode ?? 0);
          response.destroy();
        },
      );
      request.on('error', reject);
      request.end(body);
    });
}
