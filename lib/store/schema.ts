import type { Knex } from 'knex';

/*
 * Column conventions shared by every migration, so the schema means the same on MariaDB and
 * SQLite:
 * - Money is BIGINT whole minor units (cents). Rates per minute are BIGINT micro-units, 1/10000 of
 *   a minor unit, so a rate such as 0.0125 USD/min (1.25 cents) is the exact integer 12500.
 * - Instants are BIGINT epoch milliseconds, never DATETIME/TIMESTAMP: both engines store and
 *   compare them identically, and no session or server time zone can shift them.
 * - Strings are compared byte-wise on MariaDB (utf8mb4_bin) as they are in SQLite, so a unique
 *   name or number means the same thing on both.
 */

export function isMysql(db: Knex): boolean {
  const client: { dialect?: string } = db.client;
  return client.dialect === 'mysql';
}

export async function createTable(db: Knex, name: string, build: (table: Knex.CreateTableBuilder) => void): Promise<void> {
  await db.schema.createTable(name, (table) => {
    if (isMysql(db)) {
      table.engine('InnoDB');
      table.charset('utf8mb4');
      table.collate('utf8mb4_bin');
    }
    build(table);
  });
}

export async function dropTables(db: Knex, names: readonly string[]): Promise<void> {
  for (const name of names) await db.schema.dropTableIfExists(name);
}

export function epochMs(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
  return table.bigInteger(name);
}

export function createdUpdated(table: Knex.CreateTableBuilder): void {
  epochMs(table, 'created_at').notNullable();
  epochMs(table, 'updated_at').notNullable();
}

export function moneyColumn(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
  return table.bigInteger(name).notNullable().defaultTo(0);
}

export function currencyColumn(table: Knex.CreateTableBuilder, name = 'currency'): Knex.ColumnBuilder {
  return table.specificType(name, 'char(3)').notNullable();
}

/** E.164 is at most 15 digits and a `+`. */
export function e164Column(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
  return table.string(name, 16);
}

/** Request ids and FreeSWITCH leg uuids. */
export function uuidColumn(table: Knex.CreateTableBuilder, name: string): Knex.ColumnBuilder {
  return table.string(name, 36);
}

/** An integer reference to `increments()` ids (INT UNSIGNED on MariaDB, which the FK must match). */
export function reference(
  table: Knex.CreateTableBuilder,
  column: string,
  target: string,
  options: { nullable: boolean; onDelete: 'CASCADE' | 'SET NULL' | 'RESTRICT'; index?: boolean },
): void {
  const builder = table.integer(column).unsigned();
  if (!options.nullable) builder.notNullable();
  table.foreign(column).references(`${target}.id`).onDelete(options.onDelete);
  // MariaDB indexes foreign keys by itself; SQLite does not, and both need it for lookups.
  // Pass index: false when a composite index already starts with the column.
  if (options.index !== false) table.index([column]);
}
