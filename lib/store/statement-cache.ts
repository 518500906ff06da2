/** The part of a better-sqlite3 connection whose statements are cached. */
export interface PreparingConnection<Statement> {
  prepare(sql: string): Statement;
}

/** Enough for every statement shape the service sends; a shape past it is prepared again later. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Makes the connection's `prepare` answer a statement it prepared before for the same SQL. knex's
 * better-sqlite3 client prepares every query it runs (issue #20: a tenth of a callback's CPU), and
 * with the SQL built once per shape (`prepared-statement.ts`, sent by `driver-statement.ts` through
 * this same `prepare`) the same text comes back each time.
 * Reusing one is safe on this driver: `run` and `all` are synchronous, so a statement never serves
 * two queries at once, and SQLite prepares it again by itself after a schema change. The cache
 * keeps the `limit` most recently used statements.
 */
export function cachePreparedStatements<Statement>(connection: PreparingConnection<Statement>, limit = STATEMENT_CACHE_SIZE): void {
  const prepare = connection.prepare.bind(connection);
  const statements = new Map<string, Statement>();
  connection.prepare = (sql: string): Statement => {
    const cached = statements.get(sql);
    if (cached !== undefined) {
      // Map keeps insertion order: moving a hit to the end makes the first key the least used.
      statements.delete(sql);
      statements.set(sql, cached);
      return cached;
    }
    const statement = prepare(sql);
    statements.set(sql, statement);
    if (statements.size > limit) statements.delete(statements.keys().next().value as string);
    return statement;
  };
}
