import express, { type Router } from 'express';
import type { Logger } from '../../log/logger';
import type { Store } from '../../store';
import { apiKeyAuth } from './api-key-auth';
import { apiErrorHandler, forbidden } from './errors';
import { principalOf } from './principal';

/** Puts a router (reports, …) behind an operator key: account keys get 403, no key 401. */
export function operatorOnly(inner: Router, deps: { store: Pick<Store, 'apiKeys'>; operatorKeyHash?: string; logger: Logger }): Router {
  const router = express.Router();
  router.use(apiKeyAuth({ store: deps.store, ...(deps.operatorKeyHash ? { operatorKeyHash: deps.operatorKeyHash } : {}) }));
  router.use((_req, res, next) => next(principalOf(res).kind === 'operator' ? undefined : forbidden('this needs an operator key')));
  router.use(inner);
  router.use(apiErrorHandler(deps.logger));
  return router;
}
