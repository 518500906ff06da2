import type { Knex } from 'knex';
import { CALL_IN_PROGRESS_STATES, DUE_REQUEST_STATES } from '../callback/state/request-state';
import { int, type DbInt } from '../store/rows';

/**
 * The queue as SQL sees it (the truth; BullMQ only holds wake-up jobs):
 *   waiting  due now, not yet taken by a controller;
 *   delayed  waiting for a later due time (scheduled calls, retries);
 *   active   a call is under way;
 *   failed   ended as failed.
 */
export const QUEUE_VIEWS = ['waiting', 'delayed', 'active', 'failed'] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number];

export interface SqlQueueCounts {
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
  byState: Record<string, number>;
}

function inView(query: Knex.QueryBuilder, view: QueueView, now: number): Knex.QueryBuilder {
  switch (view) {
    case 'waiting':
      return query.whereIn('state', [...DUE_REQUEST_STATES]).where('due_at', '<=', now);
    case 'delayed':
      return query.whereIn('state', [...DUE_REQUEST_STATES]).where('due_at', '>', now);
    case 'active':
      return query.whereIn('state', [...CALL_IN_PROGRESS_STATES]);
    case 'failed':
      return query.where('state', 'failed');
  }
}

export async function sqlQueueCounts(db: Knex, now: number): Promise<SqlQueueCounts> {
  const rows: { state: string; n: DbInt }[] = await db('callback_requests').select('state').count({ n: '*' }).groupBy('state');
  const byState = Object.fromEntries(rows.map((row) => [row.state, int(row.n)]));
  const count = async (view: QueueView) => {
    const [row] = await inView(db('callback_requests'), view, now).count<{ n: DbInt }[]>({ n: '*' });
    return row ? int(row.n) : 0;
  };
  return { waiting: await count('waiting'), delayed: await count('delayed'), active: await count('active'), failed: await count('failed'), byState };
}

/** Ids in the view: waiting and delayed by due time (next first), the others most recent first. */
export async function requestIdsInView(db: Knex, view: QueueView, now: number, limit: number): Promise<string[]> {
  const query = inView(db('callback_requests').select('id'), view, now).limit(limit);
  if (view === 'waiting' || view === 'delayed') query.orderBy([{ column: 'due_at' }, { column: 'id' }]);
  else query.orderBy([{ column: 'state_changed_at', order: 'desc' }, { column: 'id' }]);
  return ((await query) as { id: string }[]).map((row) => row.id);
}
