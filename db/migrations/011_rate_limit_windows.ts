import type { Knex } from 'knex';
import { createTable, dropTables, epochMs } from '../../lib/store/schema';

/*
 * Fixed-window counters shared by every controller instance: commands per SMS sender and
 * callback orders per account. In the database rather than in memory, so N instances behind a
 * balancer still allow the limit once, not N times, and a restart forgets nothing. `hits` stops
 * at the limit + 1 (the first refusal), so a flood does not keep rewriting the row.
 */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'rate_limit_windows', (t) => {
    t.string('limit_key', 100).primary();
    epochMs(t, 'window_start').notNullable();
    t.integer('hits').notNullable();
    epochMs(t, 'updated_at').notNullable();
    t.index(['window_start']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['rate_limit_windows']);
}
