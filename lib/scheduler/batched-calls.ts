/**
 * Answers calls in batches, one batch in flight at a time: whatever arrives while a batch is
 * being run goes in the next one, and each call gets its own item's result (or the batch's
 * error). Under load, N calls cost far fewer than N round trips, and nothing waits on a timer
 * (an idle batcher runs a call at once).
 */
export class BatchedCalls<T, R> {
  private pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private running: Promise<void> | null = null;

  constructor(
    /** One result per item, in the items' order. */
    private readonly run: (batch: readonly T[]) => Promise<readonly R[]>,
    /** At most this many items per batch (a statement's bound values are limited). */
    private readonly maxBatch = Number.POSITIVE_INFINITY,
  ) {}

  call(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.running ??= this.loop();
    });
  }

  /** Resolves once every call made so far has been answered. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const results = await this.run(batch.map((call) => call.item));
        if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} got ${results.length} results`);
        batch.forEach((call, i) => call.resolve(results[i] as R));
      } catch (error) {
        for (const call of batch) call.reject(error);
      }
    }
    this.running = null;
  }
}
