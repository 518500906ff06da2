import type { Knex } from 'knex';

/**
 * The price book of one database (tariffs and their sell rates, carriers, buy rates) as this
 * process knows it changed: a version that every write of ours bumps once it is visible to other
 * connections, and that a signal from another process (lib/service/price-book-signal.ts) bumps
 * too. The price caches (cached-prices.ts) keep nothing read under an older version, so a change
 * made here is seen at once, whichever Store made it.
 */
export class PriceBookChanges {
  private current = 0;
  private readonly listeners = new Set<() => void>();

  get version(): number {
    return this.current;
  }

  /** A write of this process: counted, and told to the listeners (a signal to the other processes). */
  changed(): void {
    this.current += 1;
    for (const listener of this.listeners) listener();
  }

  /** Another process changed the price book: counted, not told again. */
  changedElsewhere(): void {
    this.current += 1;
  }

  /** Called after each change this process makes; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

// Keyed by the knex client's settings object, which a transaction's client shares with the pool's
// (knex copies the reference): every Store on one opened database, in a transaction or not, finds
// the same counter, while two openDatabase calls (two "processes" in tests) get two.
const byDatabase = new WeakMap<object, PriceBookChanges>();

function keyOf(db: Knex): object {
  const { config } = db.client as { config?: unknown };
  if (typeof config !== 'object' || config === null) throw new Error('knex client without its settings: cannot track price book changes');
  return config;
}

/** The price book changes of the database `db` (a knex or a transaction on it) belongs to. */
export function priceBookChangesOf(db: Knex): PriceBookChanges {
  const key = keyOf(db);
  let changes = byDatabase.get(key);
  if (!changes) {
    changes = new PriceBookChanges();
    byDatabase.set(key, changes);
  }
  return changes;
}

/**
 * Records a price book write made through `db`. In a transaction the change is recorded now and
 * again once it commits: a cache filled in between read the rows as they were before the commit.
 */
export function notePriceBookWrite(db: Knex): void {
  const changes = priceBookChangesOf(db);
  changes.changed();
  if (db.isTransaction) {
    void (db as Knex.Transaction).executionPromise.then(
      () => changes.changed(),
      () => undefined,
    );
  }
}
