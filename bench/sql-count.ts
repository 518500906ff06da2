import type { Knex } from 'knex';

/** What knex passes with its `query` event: the statement as sent, placeholders and all. */
interface QueryData {
  readonly sql?: unknown;
  /** Set on a statement sent inside a transaction (BEGIN and COMMIT included). */
  readonly __knexTxId?: unknown;
  /** Set on a statement sent in one packet with the one before or after it (a BEGIN or COMMIT on MariaDB, `driver-statement.ts`). */
  readonly sharesRoundTrip?: unknown;
}

const WRITE = /^\s*(?:insert|update|delete|replace)\b/i;
const COMMIT = /^\s*commit\b/i;

/**
 * Counts the statements a knex instance sends (knex emits `query` for each, inside a transaction
 * too, BEGIN and COMMIT included), in total and by shape: the SQL with its placeholders, a list
 * of them (`in (?, ?, ?)`, a multi-row insert) folded to one, so that one statement's variants
 * count together; and the round trips they took (a statement sent in one packet with another
 * says so). A count of statements, unlike a time, does not depend on the machine.
 */
export class SqlCounter {
  private total = 0;
  private committed = 0;
  private trips = 0;
  private readonly shapes = new Map<string, number>();
  /** Each SQL text's shape: the hot statements send the same few texts again and again, and the regexes cost the CPU the benchmarks measure. */
  private readonly shapeBySql = new Map<string, string>();
  private readonly listener = (data: QueryData): void => {
    this.total += 1;
    if (data.sharesRoundTrip !== true) this.trips += 1;
    const sql = typeof data.sql === 'string' ? data.sql : String(data.sql);
    // A write outside a transaction commits on its own (autocommit); a transaction commits once.
    if (COMMIT.test(sql) || (data.__knexTxId === undefined && WRITE.test(sql))) this.committed += 1;
    let shape = this.shapeBySql.get(sql);
    if (shape === undefined) {
      shape = shapeOf(sql);
      this.shapeBySql.set(sql, shape);
    }
    this.shapes.set(shape, (this.shapes.get(shape) ?? 0) + 1);
  };

  constructor(private readonly db: Knex) {
    db.on('query', this.listener);
  }

  get count(): number {
    return this.total;
  }

  /** Commits: each COMMIT, and each write sent outside a transaction. */
  get commits(): number {
    return this.committed;
  }

  /** Round trips to the database: the statements, less those sent in one packet with another (on SQLite, the statements). */
  get roundTrips(): number {
    return this.trips;
  }

  /** Shapes by how often they were sent, most frequent first. */
  breakdown(): { shape: string; count: number }[] {
    return [...this.shapes].map(([shape, count]) => ({ shape, count })).sort((a, b) => b.count - a.count || a.shape.localeCompare(b.shape));
  }

  reset(): void {
    this.total = 0;
    this.committed = 0;
    this.trips = 0;
    this.shapes.clear();
  }

  stop(): void {
    this.db.off('query', this.listener);
  }
}

/** The statement with every run of placeholders (a list, a multi-row VALUES) folded to one, savepoint names to one. */
export function shapeOf(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    // knex names each nested transaction's savepoint after it.
    .replace(/\btrx\d+\b/g, 'trxN')
    .replace(/\?(?:\s*,\s*\?)+/g, '?…')
    .replace(/\(\?…?\)(?:\s*,\s*\(\?…?\))+/g, '(?…)…')
    .trim();
}
