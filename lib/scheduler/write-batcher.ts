import { BatchedCalls } from './batched-calls';

/**
 * Hands items to `write` in batches, one batch in flight at a time: whatever arrives while a batch
 * is being written goes in the next one. Under load, N items cost far fewer than N round trips,
 * and nothing waits on a timer (an idle batcher writes an item at once).
 */
export class WriteBatcher<T> {
  private readonly calls: BatchedCalls<T, undefined>;

  constructor(
    write: (batch: readonly T[]) => Promise<void>,
    /** A failed batch is dropped after this is told: the items are hints, not data. */
    onError: (error: unknown, items: number) => void,
  ) {
    this.calls = new BatchedCalls<T, undefined>(async (batch) => {
      try {
        await write(batch);
      } catch (error) {
        onError(error, batch.length);
      }
      return batch.map(() => undefined);
    });
  }

  add(item: T): void {
    void this.calls.call(item);
  }

  /** Resolves once everything added so far has been written (or reported failed). */
  drain(): Promise<void> {
    return this.calls.drain();
  }
}
