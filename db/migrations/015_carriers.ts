import type { Knex } from 'knex';
import { createTable, createdUpdated, currencyColumn, dropTables, e164Column, epochMs, moneyColumn, reference } from '../../lib/store/schema';

/*
 * Issue #17, items 1, 2 and 6: carriers are data, not a list of gateways in the node settings.
 *
 * A carrier is reached through one sofia gateway per FreeSWITCH node (`*`: the same gateway name
 * on every node); its buy rates are priced like sell rates, in the carrier's own currency, and a
 * rate sheet may be loaded before it applies: the rate in force for a prefix at an instant is the
 * row with the greatest effective_from not after it, so rows are never overwritten by a new sheet.
 *
 * legs.cost_minor and cdrs.cost_minor already hold the price (what the payer is charged); what the
 * carrier charges us goes beside them as carrier_cost_minor, in the carrier's currency, which the
 * CDR copies (with the carrier's name) because CDRs keep no references (B4).
 */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'carriers', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique();
    currencyColumn(t);
    t.string('dial_prefix', 16).notNullable().defaultTo('');
    t.integer('strip_digits').notNullable().defaultTo(0);
    t.string('caller_id_mode', 16).notNullable().defaultTo('pass');
    e164Column(t, 'caller_id_number');
    t.integer('max_channels');
    t.integer('max_cps');
    t.integer('priority').notNullable().defaultTo(100);
    t.integer('weight').notNullable().defaultTo(1);
    t.boolean('enabled').notNullable().defaultTo(true);
    createdUpdated(t);
  });

  await createTable(knex, 'carrier_gateways', (t) => {
    t.increments('id');
    reference(t, 'carrier_id', 'carriers', { nullable: false, onDelete: 'CASCADE', index: false });
    t.string('node', 64).notNullable();
    t.string('gateway', 64).notNullable();
    createdUpdated(t);
    t.unique(['carrier_id', 'node']);
  });

  await createTable(knex, 'carrier_rates', (t) => {
    t.increments('id');
    reference(t, 'carrier_id', 'carriers', { nullable: false, onDelete: 'CASCADE', index: false });
    t.string('prefix', 15).notNullable();
    t.string('description', 100).notNullable().defaultTo('');
    t.bigInteger('rate_per_minute').notNullable();
    moneyColumn(t, 'connection_fee_minor');
    t.integer('increment_first_seconds').notNullable().defaultTo(60);
    t.integer('increment_next_seconds').notNullable().defaultTo(60);
    t.integer('minimum_seconds').notNullable().defaultTo(0);
    epochMs(t, 'effective_from').notNullable();
    createdUpdated(t);
    t.unique(['carrier_id', 'prefix', 'effective_from']);
  });

  await knex.schema.alterTable('legs', (t) => {
    t.integer('carrier_id').unsigned().nullable();
    t.foreign('carrier_id').references('carriers.id').onDelete('SET NULL');
    t.index(['carrier_id']);
    t.bigInteger('carrier_cost_minor');
  });

  await knex.schema.alterTable('cdrs', (t) => {
    t.string('carrier', 64);
    t.bigInteger('carrier_cost_minor');
    t.specificType('carrier_currency', 'char(3)');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cdrs', (t) => {
    t.dropColumn('carrier_currency');
    t.dropColumn('carrier_cost_minor');
    t.dropColumn('carrier');
  });
  await knex.schema.alterTable('legs', (t) => {
    t.dropForeign(['carrier_id']);
    t.dropIndex(['carrier_id']);
  });
  await knex.schema.alterTable('legs', (t) => {
    t.dropColumn('carrier_cost_minor');
    t.dropColumn('carrier_id');
  });
  await dropTables(knex, ['carrier_rates', 'carrier_gateways', 'carriers']);
}
