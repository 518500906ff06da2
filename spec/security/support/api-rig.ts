import type { Knex } from 'knex';
import request from 'supertest';
import { apiContext, principalRoutes } from '../../../lib/http/api/router';
import type { Route } from '../../../lib/http/api/route';
import { testLogger } from '../../../lib/log/logger';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from '../../http/support/api-fixture';

/** Tables a request through the API may write; a refused request must leave all of them alone. */
export const WRITABLE_TABLES = ['accounts', 'callback_requests', 'legs', 'phone_book', 'caller_ids', 'payments', 'api_keys', 'audit_log', 'reservations'] as const;

export async function rowCounts(db: Knex): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of WRITABLE_TABLES) {
    const [row] = await db(table).count<Array<{ n: number | string }>>({ n: '*' });
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

/** The routes the API serves for a principal, as the router mounts them: new routes are covered without listing them here. */
export function servedRoutes(fixture: ApiFixture, db: Knex): Route[] {
  return principalRoutes(apiContext({ engine: fixture.engine, db, logger: testLogger() }, 'api'), {});
}

/** `/callbacks/:id` with its parameters filled in. */
export function concretePath(path: string, values: Record<string, string>): string {
  return `/api/v1${path.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(values[name] ?? 'x'))}`;
}

export function send(fixture: ApiFixture, method: Route['meta']['method'], path: string, key: string, body?: unknown): request.Test {
  const test = request(fixture.app)[method](path).set('Authorization', `Bearer ${key}`);
  return body === undefined ? test : test.set('Content-Type', 'application/json').send(JSON.stringify(body));
}

/** An API over a real store with the order rate limit out of the way, so fuzzing reaches validation. */
export function hostileApi(db: Knex): Promise<ApiFixture> {
  return apiFixture(db, { orderLimit: { limit: 1_000_000, windowMs: 60_000 } });
}

export { OPERATOR_KEY };
