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
 * pagination on (due_at, id), so that a sweep walks all of them however many there are). Each
 * state is its own walk of the (state, due_at) index, whose order (due_at, then the key) is the
 * page's: a single `state IN (…)` range has no such order, so every page read and sorted all the
 * rows left in the range (quadratic: a sweep over 100,000 due rows overran its 10 s). The union
 * sorts at most a page per state.
 */
export async function dueBetweenPage(
  db: Knex,
  states: readonly string[],
  range: { from: number; until: number },
  after: DueRef | null,
  pageSize: number,
): Promise<DueRef[]> {
  const walk = (state: string) => {
    const query = db<DueRow>('callback_requests')
      .select('id', 'due_at')
      .where('state', state)
      .whereBetween('due_at', [after?.dueAt ?? range.from, range.until])
      .orderBy([{ column: 'due_at' }, { column: 'id' }])
      .limit(pageSize);
    // The range starts at the last row's due time; this drops what was already on a page.
    if (after) query.where((q) => q.where('due_at', '>', after.dueAt).orWhere('id', '>', after.id));
    return db.select('id', 'due_at').from(query.as(`due_${states.indexOf(state)}`));
  };
  const [first, ...others] = states.map(walk);
  if (!first) return [];
  const rows: DueRow[] = await first
    .unionAll(others, false)
    .orderBy([{ column: 'due_at' }, { column: 'id' }])
    .limit(pageSize);
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
