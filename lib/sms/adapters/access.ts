import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { addressList, plainAddress } from '../../net/address-list';

export interface WebhookAccess {
  /** Expected in the X-Callback-Secret header or the `secret` query parameter. */
  readonly secret?: string;
  /** Client addresses allowed to post: single IPs or CIDR ranges, IPv4 or IPv6. */
  readonly allowFrom?: readonly string[];
}

export type AccessDecision = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403; readonly code: string; readonly message: string };

export const SECRET_HEADER = 'x-callback-secret';

/**
 * Builds the check for one webhook. Both configured means both must pass. Neither configured is
 * refused at start-up: an open endpoint would let anyone who can reach it command every account
 * by forging a sender address.
 */
export function accessCheck(endpoint: string, access: WebhookAccess): (req: Request) => AccessDecision {
  const secret = access.secret === undefined || access.secret === '' ? undefined : digest(access.secret);
  const allowed = access.allowFrom && access.allowFrom.length > 0 ? addressList(`SMS webhook ${endpoint}`, access.allowFrom) : undefined;
  if (!secret && !allowed) {
    throw new Error(`SMS webhook ${endpoint}: configure a secret or an allow-list of gateway addresses; refusing to accept commands from anyone`);
  }
  return (req) => {
    if (allowed) {
      const address = clientAddress(req);
      if (!address || !allowed.allows(address)) {
        return { ok: false, status: 403, code: 'forbidden', message: `client address ${address ?? 'unknown'} is not allowed` };
      }
    }
    if (secret) {
      const given = presentedSecret(req);
      if (given === undefined) return { ok: false, status: 401, code: 'unauthorized', message: 'the shared secret is missing' };
      // Equal-length digests compared in constant time: neither the secret nor its length leaks.
      if (!timingSafeEqual(digest(given), secret)) return { ok: false, status: 401, code: 'unauthorized', message: 'the shared secret is wrong' };
    }
    return { ok: true };
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function presentedSecret(req: Request): string | undefined {
  const header = req.get(SECRET_HEADER);
  if (header !== undefined && header !== '') return header;
  const query: unknown = req.query.secret;
  return typeof query === 'string' && query !== '' ? query : undefined;
}

/** req.ip honours the app's `trust proxy` setting. */
function clientAddress(req: Request): string | undefined {
  const raw = req.ip ?? req.socket.remoteAddress;
  return raw ? plainAddress(raw) : undefined;
}
