import express, { type Request, type Response, type Router } from 'express';
import type { Registry } from 'prom-client';

/** GET /metrics in the Prometheus text format. */
export function metricsRouter(registry: Registry): Router {
  const router = express.Router();
  router.get('/metrics', async (_req: Request, res: Response) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
