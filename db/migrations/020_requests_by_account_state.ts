import type { Knex } from 'knex';

/*
 * Issue #20: the A5 count (an account's requests in progress, on every admission and every
 * access-number order) found the account's rows through the (account_id, idempotency_key) unique
 * index and checked each row's state, so it read the account's whole history: a wholesale account
 * with a year of callbacks paid for all of them on every call. With (account_id, state) it reads
 * only the rows in the states it counts. Each state change writes one more index entry.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('callback_requests', (t) => {
    t.index(['account_id', 'state'], 'callback_requests_account_state_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('callback_requests', (t) => {
    t.dropIndex(['account_id', 'state'], 'callback_requests_account_state_index');
  });
}
