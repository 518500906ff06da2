import type { Knex } from 'knex';

/*
 * Issue #18 item 5: operators list an account's keys with when each was last used, so a key
 * nobody uses any more can be revoked with confidence. Written at most once a minute per key
 * (lib/store/api-keys.ts), so an API request costs no write in the common case.
 *
 * A rotated key keeps working for a grace period: its revoked_at is set in the future, and a key
 * counts as revoked once revoked_at has passed. No column is needed for that.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_keys', (t) => {
    t.bigInteger('last_used_at'); // epoch ms, like every instant in the store
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_keys', (t) => {
    t.dropColumn('last_used_at');
  });
}
