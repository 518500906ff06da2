import type { Knex } from 'knex';
import { createTable, dropTables, epochMs, moneyColumn, reference, uuidColumn } from '../../lib/store/schema';

/*
 * B3/B4 (issue #15): no settlement charges a leg more than its hold. When the rated cost of a leg
 * (from the socket, a posted CDR, a recovery estimate or a correction) is more than what was held
 * for it, the hold is charged and the excess is recorded here for the operator, who decides;
 * one row per leg and kind (a settlement, then possibly a correction of it).
 */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'billing_discrepancies', (t) => {
    t.increments('id').primary();
    uuidColumn(t, 'leg_uuid').notNullable();
    uuidColumn(t, 'request_id');
    reference(t, 'account_id', 'accounts', { nullable: true, onDelete: 'RESTRICT', index: false });
    reference(t, 'card_id', 'calling_cards', { nullable: true, onDelete: 'RESTRICT' });
    t.string('kind', 32).notNullable(); // over_hold
    t.string('source', 16).notNullable(); // socket, json_cdr, estimate, correction
    t.integer('billsec').notNullable();
    moneyColumn(t, 'hold_minor');
    moneyColumn(t, 'rated_cost_minor');
    moneyColumn(t, 'charged_minor');
    moneyColumn(t, 'excess_minor');
    epochMs(t, 'created_at').notNullable();
    t.unique(['leg_uuid', 'source'], { indexName: 'billing_discrepancies_leg_source_unique' });
    t.index(['account_id', 'created_at']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['billing_discrepancies']);
}
