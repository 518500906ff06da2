import type { Knex } from 'knex';
import { createTable, dropTables, epochMs, reference, uuidColumn } from '../../lib/store/schema';

export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'api_keys', (t) => {
    t.increments('id');
    reference(t, 'account_id', 'accounts', { nullable: true, onDelete: 'CASCADE' }); // NULL: operator key
    t.string('prefix', 8).notNullable(); // first characters of the key, to find the row to compare
    t.string('key_hash', 64).notNullable(); // sha256 hex; the key itself is never stored
    t.string('label', 100).notNullable().defaultTo('');
    epochMs(t, 'created_at').notNullable();
    epochMs(t, 'revoked_at');
    t.index(['prefix']);
  });

  // No foreign keys: the log must keep what happened even about accounts deleted since.
  await createTable(knex, 'audit_log', (t) => {
    t.increments('id');
    epochMs(t, 'at').notNullable();
    t.string('kind', 32).notNullable();
    t.string('reason', 64).notNullable();
    t.string('caller', 64);
    t.integer('account_id').unsigned();
    uuidColumn(t, 'request_id');
    t.text('details_json');
    t.index(['at']);
    t.index(['account_id', 'at']);
    t.index(['kind', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['audit_log', 'api_keys']);
}
