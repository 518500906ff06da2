import knex, { type Knex } from 'knex';

/**
 * A second connection pool to the same database (the same SQLite file, the same MariaDB schema),
 * as a second controller instance would open: nothing is shared with the first but the data.
 */
export function secondInstance(db: Knex): Knex {
  return knex(db.client.config as Knex.Config);
}
