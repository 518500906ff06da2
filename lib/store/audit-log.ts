import { z } from 'zod';
import { Repository, fromJson, insertedId, int, optInt, toJson, type DbInt, type EpochMs, type JsonObject } from './rows';
import { idField, jsonObjectField, parseInput } from './validation';

/** A line of the audit trail: every refusal (A5) with its reason, and other events worth keeping. */
export interface AuditEntry {
  id: number;
  at: EpochMs;
  /** e.g. 'refused', 'pin_locked', 'operator'. */
  kind: string;
  /** A stable reason code, e.g. 'unknown_caller', 'rate_limited', 'not_in_callback_tariff'. */
  reason: string;
  caller: string | null;
  accountId: number | null;
  requestId: string | null;
  details: JsonObject;
}

interface AuditRow {
  id: DbInt;
  at: DbInt;
  kind: string;
  reason: string;
  caller: string | null;
  account_id: DbInt | null;
  request_id: string | null;
  details_json: string | null;
}

const entrySchema = z.object({
  kind: z.string().min(1).max(32),
  reason: z.string().min(1).max(64),
  caller: z.string().max(64).nullable().default(null),
  accountId: idField.nullable().default(null),
  requestId: z.string().max(36).nullable().default(null),
  details: jsonObjectField.default({}),
});
export type NewAuditEntry = z.input<typeof entrySchema>;

export interface AuditQuery {
  kind?: string;
  accountId?: number;
  since?: EpochMs;
  limit?: number;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: int(row.id),
    at: int(row.at),
    kind: row.kind,
    reason: row.reason,
    caller: row.caller,
    accountId: optInt(row.account_id),
    requestId: row.request_id,
    details: fromJson(row.details_json),
  };
}

export class AuditLogRepository extends Repository {
  async record(input: NewAuditEntry): Promise<number> {
    const entry = parseInput(entrySchema, input, 'audit entry');
    return insertedId(
      await this.db('audit_log').insert({
        at: this.clock(),
        kind: entry.kind,
        reason: entry.reason,
        caller: entry.caller,
        account_id: entry.accountId,
        request_id: entry.requestId,
        details_json: toJson(entry.details),
      }),
    );
  }

  /** Newest first. */
  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const builder = this.db<AuditRow>('audit_log')
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.limit ?? 100);
    if (query.kind !== undefined) builder.where({ kind: query.kind });
    if (query.accountId !== undefined) builder.where({ account_id: query.accountId });
    if (query.since !== undefined) builder.where('at', '>=', query.since);
    return (await builder).map(toEntry);
  }
}
