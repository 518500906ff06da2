import type { Knex } from 'knex';
import {
  createTable,
  createdUpdated,
  currencyColumn,
  dropTables,
  e164Column,
  epochMs,
  reference,
  uuidColumn,
} from '../../lib/store/schema';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'payments', (t) => {
    t.increments('id');
    reference(t, 'account_id', 'accounts', { nullable: false, onDelete: 'RESTRICT', index: false });
    t.bigInteger('amount_minor').notNullable(); // negative for a correction or refund
    currencyColumn(t);
    t.string('method', 32).notNullable();
    t.string('reference', 128);
    t.string('operator', 64);
    epochMs(t, 'created_at').notNullable();
    t.index(['account_id', 'created_at']);
  });

  await createTable(knex, 'phone_book', (t) => {
    t.increments('id');
    reference(t, 'account_id', 'accounts', { nullable: false, onDelete: 'CASCADE', index: false });
    t.string('name', 100).notNullable();
    e164Column(t, 'number').notNullable();
    createdUpdated(t);
    t.unique(['account_id', 'number']);
  });

  for (const [table, measure] of [
    ['recordings', 'duration_ms'],
    ['faxes', 'pages'],
  ] as const) {
    await createTable(knex, table, (t) => {
      t.increments('id');
      reference(t, 'account_id', 'accounts', { nullable: true, onDelete: 'SET NULL', index: false });
      uuidColumn(t, 'request_id');
      uuidColumn(t, 'leg_uuid');
      t.string('path', 1024).notNullable();
      t.bigInteger('bytes').notNullable().defaultTo(0);
      t.bigInteger(measure).notNullable().defaultTo(0);
      epochMs(t, 'created_at').notNullable();
      t.index(['account_id', 'created_at']);
      t.index(['request_id']);
    });
  }

  await createTable(knex, 'sms_messages', (t) => {
    t.increments('id');
    t.string('direction', 3).notNullable(); // in | out
    t.string('gateway', 64).notNullable();
    t.string('gateway_message_id', 128); // gateways retry webhooks: (gateway, id) dedups them
    t.string('from_number', 32).notNullable();
    t.string('to_number', 32).notNullable();
    t.text('text').notNullable();
    reference(t, 'account_id', 'accounts', { nullable: true, onDelete: 'SET NULL' });
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('last_error', 255);
    createdUpdated(t);
    t.unique(['gateway', 'gateway_message_id']);
    t.index(['direction', 'status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['sms_messages', 'faxes', 'recordings', 'phone_book', 'payments']);
}
