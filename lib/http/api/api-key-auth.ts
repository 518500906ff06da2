import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../log/logger';
import { sameHex, sha256Hex } from '../../store/secrets';
import type { Store } from '../../store';
import { ApiError } from './errors';
import { setPrincipal } from './principal';

export interface ApiKeyAuthOptions {
  store: Pick<Store, 'apiKeys'>;
  logger: Logger;
  /** SHA-256 hex of settings.security.operatorApiKey; unset: only operator keys in the store. */
  operatorKeyHash?: string;
}

function refuse(res: Response, message: string): ApiError {
  res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
  return new ApiError(401, 'unauthorized', message);
}

/** `Authorization: Bearer <key>`; keys are compared by hash, never stored or logged in plain. */
export function apiKeyAuth(options: ApiKeyAuthOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      res.set('WWW-Authenticate', 'Bearer');
      return next(new ApiError(401, 'unauthorized', header ? 'malformed Authorization header' : 'an API key is required (Authorization: Bearer <key>)'));
    }
    const key = match[1];
    if (options.operatorKeyHash && sameHex(sha256Hex(key), options.operatorKeyHash)) {
      setPrincipal(res, { kind: 'operator', label: 'operator key' });
      return next();
    }
    options.store.apiKeys.authenticate(key).then(
      (check) => {
        if (check.kind === 'unknown') return next(refuse(res, 'unknown API key'));
        const { apiKey } = check;
        if (check.kind === 'revoked') {
          // The operator sees who still uses a key they revoked (the prefix only: never the key).
          options.logger.warn('API request with a revoked key refused', { keyId: apiKey.id, prefix: apiKey.prefix, accountId: apiKey.accountId, ip: req.ip });
          return next(refuse(res, `this API key (${apiKey.prefix}…) was revoked; ask the operator for a new one`));
        }
        const label = `key ${apiKey.prefix}`;
        setPrincipal(res, apiKey.accountId === null ? { kind: 'operator', label } : { kind: 'account', accountId: apiKey.accountId, label });
        next();
      },
      (error: unknown) => next(error),
    );
  };
}
