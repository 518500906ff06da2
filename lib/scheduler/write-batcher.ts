/**
 * Hands items to `write` in batches, one batch in flight at a time: whatever arrives while a batch
 * is being written goes in the next one. Under load, N items cost far fewer than N round trips,
 * and nothing waits on a timer (an idle batcher writes an item at once).
 */
export class WriteBatcher<T> {
  private pending: T[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    private readonly write: (batch: readonly T[]) => Promise<void>,
    /** A failed batch is dropped after this is told: the items are hints, not data. */
    private readonly onError: (error: unknown, items: number) => void,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    this.writing ??= this.run();
  }

  /** Resolves once everything added so far has been written (or reported failed). */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.write(batch);
      } catch (error) {
        this.onError(error, batch.length);
      }
    }
    this.writing = null;
  }
}
