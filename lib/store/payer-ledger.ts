import type { Knex } from 'knex';
import { z } from 'zod';
import { ownerField, type ReservationOwner } from './reservations';
import { int, optInt, type DbInt, type EpochMs } from './rows';

/*
 * What the money ledgers written at settlement (billing adjustments, billing discrepancies) have
 * in common: a payer that is an account, a calling card or nobody, and the operator's listing of
 * them by time and account. Each ledger keeps its own columns, row type and mapping.
 */

/** What every ledger entry starts with: the leg it is about, its request, its payer and when it was written. */
export interface LedgerEntry {
  id: number;
  legUuid: string;
  requestId: string | null;
  accountId: number | null;
  cardId: number | null;
  createdAt: EpochMs;
}

export interface LedgerRow {
  id: DbInt;
  leg_uuid: string;
  request_id: string | null;
  account_id: DbInt | null;
  card_id: DbInt | null;
  created_at: DbInt;
}

/** The input fields of a new entry that every ledger takes; spread into each ledger's schema. */
export const ledgerEntryFields = {
  legUuid: z.guid(),
  requestId: z.guid().nullable().default(null),
  payer: ownerField.nullable(),
};

export function toLedgerEntry(row: LedgerRow): LedgerEntry {
  return {
    id: int(row.id),
    legUuid: row.leg_uuid,
    requestId: row.request_id,
    accountId: optInt(row.account_id),
    cardId: optInt(row.card_id),
    createdAt: int(row.created_at),
  };
}

/** The payer's two columns: at most one of them set. */
export function payerColumns(payer: ReservationOwner | null): { account_id: number | null; card_id: number | null } {
  return {
    account_id: payer && 'accountId' in payer ? payer.accountId : null,
    card_id: payer && 'cardId' in payer ? payer.cardId : null,
  };
}

export interface LedgerQuery {
  /** Only those this account paid. */
  accountId?: number;
  from?: EpochMs;
  /** Exclusive. */
  to?: EpochMs;
  limit?: number;
}

/** Oldest first (created_at, then id), at most `limit` rows (1000 unless given). */
export async function listLedger<Row extends object>(db: Knex, table: string, query: LedgerQuery): Promise<Row[]> {
  const builder = db<Row>(table).orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(query.limit ?? 1000);
  if (query.accountId !== undefined) builder.where('account_id', query.accountId);
  if (query.from !== undefined) builder.where('created_at', '>=', query.from);
  if (query.to !== undefined) builder.where('created_at', '<', query.to);
  // Knex cannot resolve a generic row type; the callers name the table that holds `Row`.
  return (await builder) as Row[];
}
