import type { Knex } from 'knex';

/*
 * A5 counts over callback_requests. The repository has no "created since" count, so these read
 * the table directly; they belong in lib/store/callback-requests.ts once that file is free to
 * change (see lib/access/README.md).
 */

async function count(query: Knex.QueryBuilder): Promise<number> {
  const [row] = (await query.count({ n: '*' })) as { n: number | string | bigint }[];
  return row ? Number(row.n) : 0;
}

/** Access callbacks to `source` ordered at or after `since` (per caller rate limit). */
export function accessRequestsToSourceSince(db: Knex, source: string, since: number): Promise<number> {
  return count(db('callback_requests').where({ trigger: 'access', source }).andWhere('created_at', '>=', since));
}

/** Access callbacks of the account ordered at or after `since` (per account rate limit). */
export function accessRequestsOfAccountSince(db: Knex, accountId: number, since: number): Promise<number> {
  return count(db('callback_requests').where({ trigger: 'access', account_id: accountId }).andWhere('created_at', '>=', since));
}
