import type { Knex } from 'knex';
import { uuidColumn } from '../../lib/store/schema';

/*
 * B3 through a database outage: a hold (reservation) is written with a key its writer chose
 * before the first try. A try that committed but whose answer was lost with the connection is
 * then recognised on the next try (the key is there: the hold is ours) instead of holding the
 * money a second time, and the unique index makes that true even if the two tries overlap on the
 * server. Holds written before this migration, and holds written without a key, have none (NULL:
 * any number of them on SQLite and MariaDB alike).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reservations', (t) => {
    uuidColumn(t, 'hold_key').nullable();
    t.unique(['hold_key'], { indexName: 'reservations_hold_key_unique' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reservations', (t) => {
    t.dropUnique(['hold_key'], 'reservations_hold_key_unique');
  });
  await knex.schema.alterTable('reservations', (t) => {
    t.dropColumn('hold_key');
  });
}
