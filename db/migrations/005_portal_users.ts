import type { Knex } from 'knex';
import { createdUpdated, createTable, dropTables, epochMs, reference } from '../../lib/store/schema';

/*
 * W5: subscriber logins for the web portal, and their sessions. Sessions live in the database
 * (not in memory) so every controller instance behind a balancer knows them and a restart does
 * not log everybody out. Only the SHA-256 of a session id is stored: a leaked table is no key.
 */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'portal_users', (t) => {
    t.increments('id');
    reference(t, 'account_id', 'accounts', { nullable: false, onDelete: 'CASCADE' });
    t.string('email', 254).notNullable(); // stored lower-cased
    t.string('password_hash', 200).notNullable(); // scrypt$N$r$p$salt$hash (lib/store/secrets.ts)
    t.boolean('active').notNullable().defaultTo(true);
    createdUpdated(t);
    epochMs(t, 'last_login_at');
    t.unique(['email']);
  });

  await createTable(knex, 'portal_sessions', (t) => {
    t.string('id_hash', 64).primary(); // sha256 hex of the cookie's value
    reference(t, 'user_id', 'portal_users', { nullable: false, onDelete: 'CASCADE' });
    t.string('csrf_token', 64).notNullable();
    epochMs(t, 'created_at').notNullable();
    epochMs(t, 'expires_at').notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['portal_sessions', 'portal_users']);
}
