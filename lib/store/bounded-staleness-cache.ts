import type { PriceBookChanges } from './price-book-changes';

interface Entry<V> {
  readonly value: V;
  readonly readAt: number;
  readonly version: number;
}

export interface BoundedStalenessOptions {
  /** The change counter of the database the values come from: a change drops every value read before it. */
  readonly changes: PriceBookChanges;
  /** The longest a value is used after its read: how late a change made by another process may be seen. */
  readonly maxAgeMs: number;
  readonly now: () => number;
}

/**
 * Values read from the database, kept per key until they are `maxAgeMs` old or the database's
 * price book changes (this process's writes at once, another's when its signal arrives). Callers
 * asking for one key at once share one read (begun under the same version). A read that was under way when a change happened is
 * handed to its callers but not kept: it may have seen the rows from before the change. A failed
 * read is not kept either.
 */
export class BoundedStalenessCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly loading = new Map<K, { readonly version: number; readonly value: Promise<V> }>();

  constructor(private readonly options: BoundedStalenessOptions) {}

  get(key: K, read: () => Promise<V>): Promise<V> {
    const { changes, maxAgeMs, now } = this.options;
    const entry = this.entries.get(key);
    if (entry && entry.version === changes.version && now() - entry.readAt < maxAgeMs) return Promise.resolve(entry.value);
    const version = changes.version;
    // A read begun before a change is not joined: it may answer with the rows from before it.
    const pending = this.loading.get(key);
    if (pending && pending.version === version) return pending.value;
    const readAt = now();
    const load = read()
      .then((value) => {
        if (changes.version === version) this.entries.set(key, { value, readAt, version });
        return value;
      })
      .finally(() => {
        if (this.loading.get(key)?.value === load) this.loading.delete(key);
      });
    this.loading.set(key, { version, value: load });
    return load;
  }
}
