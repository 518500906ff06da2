import type { Knex } from 'knex';
import { migrateToLatest, openDatabase } from '../../lib/store/database';
import { CALL_IN_PROGRESS_STATES } from '../../lib/callback/state/request-state';

// The A5 count runs on every admission: it must read an account's requests in progress, not the
// account's whole history (db/migrations/020). SQLite's planner needs no statistics to say so.
describe('callback_requests indexes', () => {
  let db: Knex;
  beforeAll(async () => {
    db = openDatabase({ client: 'sqlite', filename: ':memory:' });
    await migrateToLatest(db);
  });
  afterAll(() => db.destroy());

  it('counts an account’s requests in progress through (account_id, state)', async () => {
    const count = db('callback_requests').where('account_id', 1).whereIn('state', [...CALL_IN_PROGRESS_STATES]).count({ n: '*' }).toSQL().toNative();
    const plan = (await db.raw(`explain query plan ${count.sql}`, count.bindings as readonly Knex.Value[])) as { detail: string }[];
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING (COVERING )?INDEX callback_requests_account_state_index \(account_id=\? AND state=\?\)/);
  });
});
