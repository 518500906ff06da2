import type { Router } from 'express';
import request from 'supertest';
import { apiRouter } from '../../lib/http/api/router';
import { openApiPath } from '../../lib/http/api/openapi';
import { createHttpApp } from '../../lib/http/app';
import { EventFanout } from '../../lib/http/live/fanout';
import { testLogger } from '../../lib/log/logger';
import { describeEachDatabase } from '../support/databases';
import { apiFixture } from './support/api-fixture';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every method + path the express router serves, read from its stack. */
function servedRoutes(router: Router): string[] {
  const out: string[] = [];
  for (const layer of router.stack as unknown as Layer[]) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method.toUpperCase()} ${openApiPath(layer.route.path)}`);
  }
  return out.sort();
}

type Doc = { openapi: string; paths: Record<string, Record<string, { operationId: string; parameters: Array<{ name: string; in: string }> }>>; components: { schemas: Record<string, unknown> } };

function documentedRoutes(doc: Doc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}

describeEachDatabase('OpenAPI document', (getDb) => {
  it('lists exactly the routes the router serves, each with its path parameters and resolvable references', async () => {
    const f = await apiFixture(getDb());
    const logger = testLogger();
    const fanout = new EventFanout({ store: f.store, logger });
    const router = apiRouter({ engine: f.engine, db: getDb(), logger, fanout });
    const app = createHttpApp({ logger, readiness: [], routers: [{ path: '/api/v1', router }] });
    const doc = (await request(app).get('/api/v1/openapi.json').expect(200)).body as Doc;

    expect(doc.openapi).toBe('3.1.0');
    const served = servedRoutes(router);
    expect(served).toContain('GET /callbacks/{id}/events');
    expect(served).toContain('GET /events');
    expect(served).toContain('GET /reports');
    expect(served).toContain('GET /');
    expect(documentedRoutes(doc)).toEqual(served);
    // Catalogue IDs (`B6`, `W2`) mean nothing to a client reading the document.
    expect(JSON.stringify(doc)).not.toMatch(/\b[TACDSBWO][1-9]\b/);

    const ids = new Set<string>();
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        const pathParams = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(op.parameters.filter((x) => x.in === 'path').map((x) => x.name)).toEqual(pathParams);
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref);
    expect(doc.components.schemas).toHaveProperty('CallbackOrder');
    f.engine.close();
    await fanout.close();
  });

  it('answers GET /api/v1/ with an index of the document and the collections, without a key', async () => {
    const f = await apiFixture(getDb());
    const logger = testLogger();
    const app = createHttpApp({ logger, readiness: [], routers: [{ path: '/api/v1', router: apiRouter({ engine: f.engine, db: getDb(), logger }) }] });
    for (const root of ['/api/v1/', '/api/v1']) {
      const index = (await request(app).get(root).expect(200)).body as { openapi: string; collections: Array<{ path: string; operatorOnly?: boolean }> };
      expect(index.openapi).toBe('/api/v1/openapi.json');
      const paths = index.collections.map((collection) => collection.path);
      expect(paths).toEqual(expect.arrayContaining(['/api/v1/callbacks', '/api/v1/phone-book', '/api/v1/balance', '/api/v1/reports']));
      expect(paths.some((path) => path.includes(':'))).toBe(false);
      expect(index.collections.find((collection) => collection.path === '/api/v1/reports')?.operatorOnly).toBe(true);
      for (const path of paths) expect((await request(app).get(path)).status).toBe(401);
    }
    f.engine.close();
  });
});
