import type { Knex } from 'knex';
import { migrateToLatest, pendingMigrations, rollbackAll } from '../../lib/store/database';
import { migrations } from '../../lib/store/migrations';
import { describeEachDatabase } from '../support/databases';

const TABLES = [
  'accounts',
  'caller_ids',
  'pins',
  'access_numbers',
  'calling_cards',
  'tariffs',
  'rates',
  'callback_requests',
  'legs',
  'cdrs',
  'reservations',
  'payments',
  'phone_book',
  'recordings',
  'faxes',
  'sms_messages',
  'api_keys',
  'audit_log',
  'carriers',
  'carrier_gateways',
  'carrier_rates',
];

async function existingTables(db: Knex): Promise<string[]> {
  const present = await Promise.all(TABLES.map(async (table) => ((await db.schema.hasTable(table)) ? table : null)));
  return present.filter((table): table is string => table !== null);
}

describeEachDatabase(
  'migrations',
  (getDb) => {
    it('creates every table from an empty database, then has nothing pending', async () => {
      const db = getDb();
      expect(await pendingMigrations(db)).toEqual(migrations.map((entry) => entry.name));
      expect(await migrateToLatest(db)).toEqual(migrations.map((entry) => entry.name));
      expect(await existingTables(db)).toEqual(TABLES);
      expect(await pendingMigrations(db)).toEqual([]);
      expect(await migrateToLatest(db)).toEqual([]);
    });

    it('rolls everything back and applies it again', async () => {
      const db = getDb();
      expect(await rollbackAll(db)).toEqual(migrations.map((entry) => entry.name).reverse());
      expect(await existingTables(db)).toEqual([]);
      await migrateToLatest(db);
      expect(await existingTables(db)).toEqual(TABLES);
    });

    it('keeps BIGINT money and epoch-ms values past 2^32 exactly', async () => {
      const db = getDb();
      const instant = Date.UTC(2100, 0, 1);
      await db('tariffs').insert({ name: 'big', currency: 'USD', kind: 'retail', created_at: instant, updated_at: instant });
      const row = await db('tariffs').where({ name: 'big' }).first<{ created_at: number | string }>();
      expect(Number(row?.created_at)).toBe(instant);
    });
  },
  { migrate: false },
);
