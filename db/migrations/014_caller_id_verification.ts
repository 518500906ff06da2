import type { Knex } from 'knex';
import { createTable, createdUpdated, dropTables, e164Column, epochMs, reference } from '../../lib/store/schema';

/*
 * Issue #15, items 5 and 8.
 *
 * caller_ids holds only numbers whose ownership was shown: a code sent to the number and typed
 * back, a PIN entered on a call to it (A2), or the operator's word. `verified_at` / `verified_via`
 * say when and how. Rows from before this migration were registered when no proof was asked;
 * they are marked verified (`before_verification`) so that no subscriber loses a working number
 * on upgrade; an operator who distrusts them lists them by that value and removes them.
 *
 * A number claimed but not yet shown to be the claimant's waits in caller_id_claims, one row per
 * account and number, so two accounts may claim the same number at once: the first to type the
 * right code moves it into caller_ids (its unique number decides a race) and the other claims on
 * it are dropped. Codes are stored hashed (scrypt, like PINs) and count wrong tries like PINs.
 *
 * accounts.free_sources: the operator lets this account's orders call any first party, not only
 * its verified numbers (off by default).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('caller_ids', (t) => {
    t.bigInteger('verified_at');
    t.string('verified_via', 24);
  });
  await knex('caller_ids').update({ verified_at: knex.ref('created_at'), verified_via: 'before_verification' });

  await createTable(knex, 'caller_id_claims', (t) => {
    t.increments('id');
    reference(t, 'account_id', 'accounts', { nullable: false, onDelete: 'CASCADE' });
    e164Column(t, 'number').notNullable();
    t.boolean('allow_authorization').notNullable().defaultTo(false);
    t.string('code_hash', 255).notNullable();
    epochMs(t, 'expires_at').notNullable();
    t.integer('failed_attempts').notNullable().defaultTo(0);
    epochMs(t, 'locked_until');
    t.integer('codes_sent').notNullable().defaultTo(0);
    epochMs(t, 'last_sent_at');
    createdUpdated(t);
    t.unique(['account_id', 'number']);
    t.index(['number']);
  });

  await knex.schema.alterTable('accounts', (t) => {
    t.boolean('free_sources').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('accounts', (t) => {
    t.dropColumn('free_sources');
  });
  await dropTables(knex, ['caller_id_claims']);
  await knex.schema.alterTable('caller_ids', (t) => {
    t.dropColumn('verified_via');
  });
  await knex.schema.alterTable('caller_ids', (t) => {
    t.dropColumn('verified_at');
  });
}
