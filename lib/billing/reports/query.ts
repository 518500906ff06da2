import type { Knex } from 'knex';
import { int, optInt, type DbInt } from '../../store/rows';
import type { CdrFilter, ReportCdr } from './types';

interface ReportRow {
  id: DbInt;
  account_id: DbInt | null;
  account_name: string | null;
  currency: string | null;
  number: string;
  rate_prefix: string | null;
  started_at: DbInt;
  answered_at: DbInt | null;
  billsec: DbInt;
  cost_minor: DbInt;
  carrier: string | null;
  carrier_cost_minor: DbInt | null;
  carrier_currency: string | null;
}

const PAGE_SIZE = 5000;

/**
 * The CDRs of a report, page by page in (started_at, id) order. Keyset paging on the started_at
 * index keeps every page as cheap as the first, whatever the size of the table; grouping happens
 * in the caller because buckets such as "day in Europe/Berlin" cannot be written the same way in
 * SQLite and MariaDB.
 */
export async function* reportCdrPages(db: Knex, filter: CdrFilter, pageSize = PAGE_SIZE): AsyncGenerator<ReportCdr[]> {
  let after: { startedAt: number; id: number } | null = null;
  for (;;) {
    const query = db('cdrs as c')
      .leftJoin('accounts as a', 'a.id', 'c.account_id')
      .select<ReportRow[]>(
        'c.id',
        'c.account_id',
        'a.name as account_name',
        'a.currency',
        'c.number',
        'c.rate_prefix',
        'c.started_at',
        'c.answered_at',
        'c.billsec',
        'c.cost_minor',
        'c.carrier',
        'c.carrier_cost_minor',
        'c.carrier_currency',
      )
      .orderBy([{ column: 'c.started_at' }, { column: 'c.id' }])
      .limit(pageSize);
    if (filter.from !== undefined) query.where('c.started_at', '>=', filter.from);
    if (filter.to !== undefined) query.where('c.started_at', '<', filter.to);
    if (filter.accountId !== undefined) query.where('c.account_id', filter.accountId);
    if (after) {
      const { startedAt, id } = after;
      query.where((q) => q.where('c.started_at', '>', startedAt).orWhere((same) => same.where('c.started_at', startedAt).andWhere('c.id', '>', id)));
    }
    const rows = await query;
    if (rows.length > 0) yield rows.map(toReportCdr);
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = { startedAt: int(last.started_at), id: int(last.id) };
  }
}

function toReportCdr(row: ReportRow): ReportCdr {
  return {
    accountId: optInt(row.account_id),
    accountName: row.account_name,
    currency: row.currency,
    number: row.number,
    ratePrefix: row.rate_prefix,
    startedAt: int(row.started_at),
    answeredAt: optInt(row.answered_at),
    billsec: int(row.billsec),
    costMinor: int(row.cost_minor),
    carrier: row.carrier,
    carrierCostMinor: optInt(row.carrier_cost_minor),
    carrierCurrency: row.carrier_currency,
  };
}
