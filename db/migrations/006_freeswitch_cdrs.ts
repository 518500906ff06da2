import type { Knex } from 'knex';
import { createTable, dropTables, epochMs, uuidColumn } from '../../lib/store/schema';

/*
 * B4: the CDRs FreeSWITCH's mod_json_cdr posts, one per leg, as received, beside what the
 * reconciliation with our own record of the leg found. Kept apart from `cdrs` (our rated and
 * settled record) so that FreeSWITCH's word and ours can be compared, and no foreign keys: a CDR
 * for a leg we do not know is stored too.
 */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'freeswitch_cdrs', (t) => {
    uuidColumn(t, 'leg_uuid').primary();
    t.string('node', 64); // the posting switch's switchname
    uuidColumn(t, 'request_id'); // the leg's callback_request_id variable, if it had one
    epochMs(t, 'started_at');
    epochMs(t, 'answered_at');
    epochMs(t, 'ended_at').notNullable();
    t.integer('billsec').notNullable();
    t.string('hangup_cause', 64).notNullable();
    t.text('raw_json', 'mediumtext').notNullable();
    // pending | settled | agrees | discrepancy | unknown_leg (lib/cdr/reconcile.ts)
    t.string('reconciliation', 16).notNullable();
    t.text('reconciliation_details'); // JSON: what differed, our side's values
    epochMs(t, 'received_at').notNullable();
    epochMs(t, 'reconciled_at');
    t.index(['reconciliation', 'received_at']);
    t.index(['request_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await dropTables(knex, ['freeswitch_cdrs']);
}
