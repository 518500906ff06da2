import type { Knex } from 'knex';
import { createTable, dropTables, epochMs } from '../../lib/store/schema';

/*
 * W5: failed portal logins counted per email in the database, so that every controller instance
 * behind a balancer sees the same count and a restart forgets nothing. Keyed by the SHA-256 of the
 * lower-cased email, and kept for emails without a login too: whether a lockout answers says
 * nothing about which emails exist, and what strangers typed is not stored in plain.
 */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'portal_login_attempts', (t) => {
    t.string('email_hash', 64).primary();
    t.integer('failed_attempts').notNullable().defaultTo(0);
    epochMs(t, 'locked_until');
    epochMs(t, 'updated_at').notNullable();
    t.index(['updated_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['portal_login_attempts']);
}
