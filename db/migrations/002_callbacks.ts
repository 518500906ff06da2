import type { Knex } from 'knex';
import { createTable, createdUpdated, dropTables, e164Column, epochMs, moneyColumn, reference, uuidColumn } from '../../lib/store/schema';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'callback_requests', (t) => {
    uuidColumn(t, 'id').primary();
    reference(t, 'account_id', 'accounts', { nullable: false, onDelete: 'RESTRICT', index: false });
    t.string('trigger', 16).notNullable();
    e164Column(t, 'source').notNullable();
    e164Column(t, 'destination'); // NULL: asked for on leg A
    t.string('mode', 16).notNullable().defaultTo('source_first');
    epochMs(t, 'due_at').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable().defaultTo(3);
    t.string('state', 32).notNullable(); // the engine owns the state machine
    epochMs(t, 'state_changed_at').notNullable();
    t.string('last_cause', 64);
    t.string('idempotency_key', 128);
    t.string('caller_id_policy', 32);
    t.string('status_webhook_url', 1024);
    t.text('data_json'); // engine context: access number, redial origin, prompts chosen, …
    // O5: an instance owns a request only while its lease runs; claim_token tells one claim
    // from another by the same instance.
    t.string('claimed_by', 128);
    uuidColumn(t, 'claim_token');
    epochMs(t, 'lease_until');
    t.integer('version').notNullable().defaultTo(0);
    createdUpdated(t);
    // NULL keys never collide, so requests without a key are unconstrained.
    t.unique(['account_id', 'idempotency_key']);
    // The sweep asks for "state IN (…) AND due_at <= now": equality column first.
    t.index(['state', 'due_at']);
    t.index(['claim_token']);
    t.index(['account_id', 'created_at']);
  });

  await createTable(knex, 'legs', (t) => {
    t.increments('id');
    uuidColumn(t, 'uuid').notNullable().unique();
    uuidColumn(t, 'request_id').notNullable();
    t.foreign('request_id').references('callback_requests.id').onDelete('CASCADE');
    t.index(['request_id']);
    t.string('role', 1).notNullable(); // A caller, B destination, C third party
    t.integer('attempt').notNullable().defaultTo(1);
    t.string('node', 64);
    t.string('number', 32).notNullable();
    t.string('caller_id', 32);
    t.string('state', 32).notNullable();
    epochMs(t, 'answered_at');
    epochMs(t, 'ended_at');
    t.string('hangup_cause', 64);
    t.integer('billsec');
    t.bigInteger('cost_minor');
    t.bigInteger('reserved_minor');
    createdUpdated(t);
  });

  // No foreign keys on cdrs: a CDR must be storable whatever else is missing or deleted (B4).
  await createTable(knex, 'cdrs', (t) => {
    t.increments('id');
    uuidColumn(t, 'leg_uuid').notNullable().unique();
    uuidColumn(t, 'request_id');
    t.integer('account_id').unsigned();
    t.string('direction', 16).notNullable();
    t.string('number', 32).notNullable();
    epochMs(t, 'started_at').notNullable();
    epochMs(t, 'answered_at');
    epochMs(t, 'ended_at');
    t.integer('billsec').notNullable().defaultTo(0);
    t.string('hangup_cause', 64);
    moneyColumn(t, 'cost_minor');
    t.string('rate_prefix', 15);
    t.text('raw_json', 'mediumtext');
    t.string('source', 16).notNullable();
    epochMs(t, 'created_at').notNullable();
    t.index(['account_id', 'created_at']);
    t.index(['started_at']);
    t.index(['request_id']);
  });

  await createTable(knex, 'reservations', (t) => {
    t.increments('id');
    reference(t, 'account_id', 'accounts', { nullable: false, onDelete: 'RESTRICT', index: false });
    uuidColumn(t, 'request_id');
    uuidColumn(t, 'leg_uuid');
    t.bigInteger('amount_minor').notNullable();
    t.bigInteger('settled_minor');
    t.string('state', 10).notNullable().defaultTo('held');
    createdUpdated(t);
    t.index(['account_id', 'state']);
    t.index(['leg_uuid']);
    t.index(['request_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['reservations', 'cdrs', 'legs', 'callback_requests']);
}
