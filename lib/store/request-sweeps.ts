import type { Knex } from 'knex';
import { int, type DbInt } from './rows';

/*
 * Read-only selections for the sweep, ids only: every action on a row goes through a
 * compare-and-set afterwards, so a row that changed between this read and that write is skipped.
 * They use the (state, due_at) index.
 */

export interface DueRef {
  id: string;
  dueAt: number;
}

interface DueRow {
  id: string;
  due_at: DbInt;
}

/**
 * One page of the requests in `states` due in [from, until], in due order, after `after` (keyset
 * pagination on (due_at, id), so that a sweep walks all of them however many there are, each
 * page one range read of the (state, due_at) index).
 */
export async function dueBetweenPage(
  db: Knex,
  states: readonly string[],
  range: { from: number; until: number },
  after: DueRef | null,
  pageSize: number,
): Promise<DueRef[]> {
  const query = db<DueRow>('callback_requests')
    .select('id', 'due_at')
    .whereIn('state', [...states])
    .whereBetween('due_at', [range.from, range.until])
    .orderBy([{ column: 'due_at' }, { column: 'id' }])
    .limit(pageSize);
  if (after) {
    query.where((q) => q.where('due_at', '>', after.dueAt).orWhere((same) => same.where('due_at', after.dueAt).andWhere('id', '>', after.id)));
  }
  const rows: DueRow[] = await query;
  return rows.map((row) => ({ id: row.id, dueAt: int(row.due_at) }));
}

/** Requests in `states` due before `before` (waited too long). */
export async function dueBefore(db: Knex, states: readonly string[], before: number, limit: number): Promise<string[]> {
  const rows: { id: string }[] = await db('callback_requests')
    .select('id')
    .whereIn('state', [...states])
    .where('due_at', '<', before)
    .orderBy('due_at')
    .limit(limit);
  return rows.map((row) => row.id);
}

/**
 * Requests in `states` whose lease ran out before `now`, or that have no lease at all: in an
 * active state nobody works on such a row, and nothing else would ever move it on.
 */
export async function leaseExpired(db: Knex, states: readonly string[], now: number, limit: number): Promise<string[]> {
  const rows: { id: string }[] = await db('callback_requests')
    .select('id')
    .whereIn('state', [...states])
    .where((q) => q.where('lease_until', '<', now).orWhereNull('lease_until'))
    .orderBy('lease_until')
    .limit(limit);
  return rows.map((row) => row.id);
}
