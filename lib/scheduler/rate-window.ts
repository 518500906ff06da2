import type { RateLimit } from './dial-queue';

/**
 * Sliding window of start times: at most `max` starts in any `durationMs`. Works on whatever
 * clock the caller reads, so a ManualClock drives it in tests.
 */
export class RateWindow {
  private starts: number[] = [];

  constructor(private readonly limit: RateLimit | null) {}

  /** Records a start at `now` and returns 0 when one is allowed; otherwise how long until one is. */
  take(now: number): number {
    if (!this.limit) return 0;
    const since = now - this.limit.durationMs;
    this.starts = this.starts.filter((at) => at > since);
    const oldest = this.starts[0];
    if (this.starts.length >= this.limit.max && oldest !== undefined) return oldest - since;
    this.starts.push(now);
    return 0;
  }
}
