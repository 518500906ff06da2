import type { Knex } from 'knex';
import { createTable, dropTables, epochMs, moneyColumn, reference, uuidColumn } from '../../lib/store/schema';

/*
 * B4: a leg settled from an estimate (its end never reached a controller) is corrected once
 * FreeSWITCH's CDR of it arrives: the difference is charged or refunded to whoever paid, and
 * recorded here, one row per leg (the unique leg_uuid is what makes the correction happen once).
 * The `cdrs` row then carries FreeSWITCH's figures; the estimate it replaced is kept here.
 */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'billing_adjustments', (t) => {
    t.increments('id').primary();
    uuidColumn(t, 'leg_uuid').notNullable().unique();
    uuidColumn(t, 'request_id');
    // The payer: an account or a calling card (one of the two, or neither for a leg nobody paid).
    reference(t, 'account_id', 'accounts', { nullable: true, onDelete: 'RESTRICT', index: false });
    reference(t, 'card_id', 'calling_cards', { nullable: true, onDelete: 'RESTRICT' });
    t.string('reason', 32).notNullable(); // estimate_corrected
    t.integer('estimated_billsec').notNullable();
    t.integer('corrected_billsec').notNullable();
    moneyColumn(t, 'estimated_cost_minor');
    moneyColumn(t, 'corrected_cost_minor');
    // Signed, as moved: positive charged to the payer, negative refunded (a card: never below zero).
    moneyColumn(t, 'amount_minor');
    // A6: a leg A the operator carried until the identified payer took it over; its part moves too.
    reference(t, 'operator_account_id', 'accounts', { nullable: true, onDelete: 'RESTRICT' });
    moneyColumn(t, 'operator_amount_minor');
    epochMs(t, 'created_at').notNullable();
    t.index(['account_id', 'created_at']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['billing_adjustments']);
}
