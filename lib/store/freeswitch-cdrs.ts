import { z } from 'zod';
import { Repository, fromJson, int, oneOf, optInt, type DbInt, type EpochMs, type JsonObject } from './rows';
import { isUniqueViolation } from './sql-errors';
import { epochMsField, jsonObjectField, parseInput } from './validation';

export const RECONCILIATIONS = ['pending', 'settled', 'agrees', 'discrepancy', 'corrected', 'unknown_leg'] as const;
/**
 * What comparing FreeSWITCH's CDR with our record of the leg found (lib/cdr/reconcile.ts).
 * pending: received, not yet compared (a failure half-way; the next post of it finishes the job).
 * corrected: our side was an estimate; it was corrected to this CDR (billing_adjustments).
 */
export type Reconciliation = (typeof RECONCILIATIONS)[number];

/** A CDR as FreeSWITCH's mod_json_cdr posted it, one per leg (B4). */
export interface FreeswitchCdr {
  legUuid: string;
  node: string | null;
  requestId: string | null;
  startedAt: EpochMs | null;
  answeredAt: EpochMs | null;
  endedAt: EpochMs;
  billsec: number;
  hangupCause: string;
  raw: JsonObject;
  reconciliation: Reconciliation;
  reconciliationDetails: JsonObject | null;
  receivedAt: EpochMs;
  reconciledAt: EpochMs | null;
}

interface FreeswitchCdrRow {
  leg_uuid: string;
  node: string | null;
  request_id: string | null;
  started_at: DbInt | null;
  answered_at: DbInt | null;
  ended_at: DbInt;
  billsec: DbInt;
  hangup_cause: string;
  raw_json: string;
  reconciliation: string;
  reconciliation_details: string | null;
  received_at: DbInt;
  reconciled_at: DbInt | null;
}

const newSchema = z.object({
  legUuid: z.guid(),
  node: z.string().max(64).nullable().default(null),
  requestId: z.guid().nullable().default(null),
  startedAt: epochMsField.nullable().default(null),
  answeredAt: epochMsField.nullable().default(null),
  endedAt: epochMsField,
  billsec: z.number().int().nonnegative(),
  hangupCause: z.string().min(1).max(64),
  raw: jsonObjectField,
});
export type NewFreeswitchCdr = z.input<typeof newSchema>;

function toCdr(row: FreeswitchCdrRow): FreeswitchCdr {
  return {
    legUuid: row.leg_uuid,
    node: row.node,
    requestId: row.request_id,
    startedAt: optInt(row.started_at),
    answeredAt: optInt(row.answered_at),
    endedAt: int(row.ended_at),
    billsec: int(row.billsec),
    hangupCause: row.hangup_cause,
    raw: fromJson(row.raw_json),
    reconciliation: oneOf(RECONCILIATIONS, row.reconciliation),
    reconciliationDetails: row.reconciliation_details === null ? null : fromJson(row.reconciliation_details),
    receivedAt: int(row.received_at),
    reconciledAt: optInt(row.reconciled_at),
  };
}

export class FreeswitchCdrsRepository extends Repository {
  /** Stores a received CDR as `pending`; false, writing nothing, when the leg's CDR was received before. */
  async insert(input: NewFreeswitchCdr): Promise<boolean> {
    const cdr = parseInput(newSchema, input, 'FreeSWITCH CDR');
    try {
      await this.db('freeswitch_cdrs').insert({
        leg_uuid: cdr.legUuid,
        node: cdr.node,
        request_id: cdr.requestId,
        started_at: cdr.startedAt,
        answered_at: cdr.answeredAt,
        ended_at: cdr.endedAt,
        billsec: cdr.billsec,
        hangup_cause: cdr.hangupCause,
        raw_json: JSON.stringify(cdr.raw),
        reconciliation: 'pending',
        received_at: this.clock(),
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async findByLegUuid(legUuid: string): Promise<FreeswitchCdr | null> {
    const row = await this.db<FreeswitchCdrRow>('freeswitch_cdrs').where({ leg_uuid: legUuid }).first();
    return row ? toCdr(row) : null;
  }

  /** Records the outcome once: only a pending CDR changes, so a racing second reconciliation writes nothing. */
  async markReconciled(legUuid: string, result: Exclude<Reconciliation, 'pending'>, details: JsonObject | null): Promise<boolean> {
    const changed = await this.db('freeswitch_cdrs')
      .where({ leg_uuid: legUuid, reconciliation: 'pending' })
      .update({ reconciliation: result, reconciliation_details: details === null ? null : JSON.stringify(details), reconciled_at: this.clock() });
    return changed > 0;
  }

  /** Oldest first, e.g. the discrepancies an operator should look at. */
  async listByReconciliation(result: Reconciliation, limit = 1000): Promise<FreeswitchCdr[]> {
    const rows = await this.db<FreeswitchCdrRow>('freeswitch_cdrs').where({ reconciliation: result }).orderBy([{ column: 'received_at' }, { column: 'leg_uuid' }]).limit(limit);
    return rows.map(toCdr);
  }
}
