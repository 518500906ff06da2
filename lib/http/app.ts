import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from '../log/logger';
import { healthRouter, type ReadinessCheck } from './health';

export interface HttpAppDependencies {
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  /** The service's parts mount their routes here (metrics, reports, the API…), before the 404. */
  routers?: ReadonlyArray<{ path?: string; router: Router; /** Reads its own bodies: mounted before the JSON parser. */ rawBody?: boolean }>;
}

export function createHttpApp(deps: HttpAppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet());
  const routers = deps.routers ?? [];
  for (const { path, router } of routers.filter((entry) => entry.rawBody)) app.use(path ?? '/', router);
  app.use(express.json({ limit: '64kb' }));
  app.use(healthRouter(deps.readiness));
  for (const { path, router } of routers.filter((entry) => !entry.rawBody)) {
    if (path) app.use(path, router);
    else app.use(router);
  }
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no such route' } });
  });
  // Express recognises an error handler by its four parameters.
  app.use((error: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) deps.logger.error('unhandled error in an HTTP request', { error });
    const code = error.type === 'entity.parse.failed' ? 'invalid_json' : error.type === 'entity.too.large' ? 'body_too_large' : status === 500 ? 'internal' : 'bad_request';
    res.status(status).json({ error: { code, message: status === 500 ? 'internal error' : error.message } });
  });
  return app;
}
