import type { Request, Response, Router } from 'express';
import express from 'express';

/** One dependency /readyz reports on: the database, the queue, each FreeSWITCH node. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

const CHECK_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck): Promise<{ name: string; ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; detail: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([check.check(), timeout]);
    return { name: check.name, ...result };
  } catch (error) {
    return { name: check.name, ok: false, detail: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /healthz says the process serves requests (for restarts); /readyz says whether it can do its
 * job right now (for load balancers), with the state of each dependency.
 */
export function healthRouter(checks: readonly ReadinessCheck[]): Router {
  const router = express.Router();
  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req: Request, res: Response) => {
    const results = await Promise.all(checks.map(runCheck));
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', checks: results });
  });
  return router;
}
