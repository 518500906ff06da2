import type { Knex } from 'knex';
import {
  createTable,
  createdUpdated,
  currencyColumn,
  dropTables,
  e164Column,
  epochMs,
  moneyColumn,
  reference,
} from '../../lib/store/schema';

// Conventions (money in minor units, rates in micro-units, instants in epoch ms): lib/store/schema.ts.

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'tariffs', (t) => {
    t.increments('id');
    t.string('name', 100).notNullable().unique();
    currencyColumn(t);
    t.string('kind', 16).notNullable(); // retail: what leg B costs; callback: where leg A may go (A6)
    createdUpdated(t);
  });

  await createTable(knex, 'rates', (t) => {
    t.increments('id');
    reference(t, 'tariff_id', 'tariffs', { nullable: false, onDelete: 'CASCADE' });
    t.string('prefix', 15).notNullable();
    t.string('description', 100).notNullable().defaultTo('');
    // 1/10000 of the minor unit per minute: fractional-cent rates stay exact integers.
    t.bigInteger('rate_per_minute').notNullable();
    moneyColumn(t, 'connection_fee_minor');
    t.integer('increment_first_seconds').notNullable().defaultTo(60);
    t.integer('increment_next_seconds').notNullable().defaultTo(60);
    t.integer('minimum_seconds').notNullable().defaultTo(0);
    createdUpdated(t);
    t.unique(['tariff_id', 'prefix']);
  });

  await createTable(knex, 'accounts', (t) => {
    t.increments('id');
    t.string('name', 100).notNullable().unique();
    moneyColumn(t, 'balance_minor');
    moneyColumn(t, 'credit_limit_minor');
    // Sum of held reservations, kept beside the balance so that one conditional UPDATE decides
    // whether a new reservation fits (B3).
    moneyColumn(t, 'reserved_minor');
    currencyColumn(t);
    t.string('time_zone', 64).notNullable().defaultTo('UTC');
    t.string('language', 16).notNullable().defaultTo('en');
    t.specificType('country', 'char(2)'); // ISO 3166 alpha-2, for numbers typed in national form
    t.integer('max_concurrent_callbacks').notNullable().defaultTo(2);
    reference(t, 'tariff_id', 'tariffs', { nullable: true, onDelete: 'SET NULL' });
    reference(t, 'callback_tariff_id', 'tariffs', { nullable: true, onDelete: 'SET NULL' });
    e164Column(t, 'callback_number'); // "call to number" target and the A3 DID's predefined number
    t.text('settings_json'); // O3 overrides for this account
    t.boolean('active').notNullable().defaultTo(true);
    createdUpdated(t);
  });

  await createTable(knex, 'caller_ids', (t) => {
    t.increments('id');
    reference(t, 'account_id', 'accounts', { nullable: false, onDelete: 'CASCADE' });
    e164Column(t, 'number').notNullable().unique();
    t.boolean('allow_authorization').notNullable().defaultTo(false);
    epochMs(t, 'remembered_at');
    createdUpdated(t);
  });

  await createTable(knex, 'calling_cards', (t) => {
    t.increments('id');
    t.string('number', 32).notNullable().unique();
    reference(t, 'account_id', 'accounts', { nullable: true, onDelete: 'SET NULL' });
    moneyColumn(t, 'balance_minor');
    currencyColumn(t);
    t.boolean('active').notNullable().defaultTo(true);
    epochMs(t, 'expires_at');
    createdUpdated(t);
  });

  await createTable(knex, 'pins', (t) => {
    t.increments('id');
    reference(t, 'account_id', 'accounts', { nullable: true, onDelete: 'CASCADE' });
    reference(t, 'card_id', 'calling_cards', { nullable: true, onDelete: 'CASCADE' });
    t.string('pin_hash', 255).notNullable(); // scrypt with a per-row salt, see lib/store/secrets.ts
    t.integer('failed_attempts').notNullable().defaultTo(0);
    epochMs(t, 'locked_until');
    createdUpdated(t);
    // One PIN per owner; NULLs do not collide, so account PINs and card PINs share the table.
    t.unique(['account_id']);
    t.unique(['card_id']);
  });

  await createTable(knex, 'access_numbers', (t) => {
    t.increments('id');
    e164Column(t, 'did').notNullable().unique();
    reference(t, 'account_id', 'accounts', { nullable: true, onDelete: 'SET NULL' });
    t.string('method', 16).notNullable().defaultTo('call_to_caller');
    t.string('target_number', 32); // a number for call_to_number, an extension for call_extension
    t.string('auth_mode', 16).notNullable().defaultTo('ani');
    t.text('settings_json'); // O3 overrides for calls to this DID
    t.boolean('active').notNullable().defaultTo(true);
    createdUpdated(t);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['access_numbers', 'pins', 'calling_cards', 'caller_ids', 'accounts', 'rates', 'tariffs']);
}
