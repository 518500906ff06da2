import { int, Repository, type DbInt, type EpochMs } from './rows';
import { MAX_CLAIM_ROUNDS } from './attempt-lockout';
import { isUniqueViolation } from './sql-errors';

/** At most `limit` hits per key in each window of `windowMs`, the window starting at its first hit. */
export interface WindowPolicy {
  limit: number;
  windowMs: number;
}

export type WindowHit =
  | { allowed: true; hits: number }
  /**
   * Over the limit. `firstRefusal` is true for exactly one hit per key and window, on all
   * instances together: the one to tell the client (an SMS reply, an audit line) without
   * answering a flood with a flood.
   */
  | { allowed: false; firstRefusal: boolean; retryAfterMs: number };

interface WindowRow {
  limit_key: string;
  window_start: DbInt;
  hits: DbInt;
}

const TABLE = 'rate_limit_windows';

/**
 * Fixed-window counters in the database (rate_limit_windows), shared by every instance. Each hit
 * moves the counter with a compare-and-set on the (window start, hits) it read, as the PIN
 * lockout does (attempt-lockout.ts): however many hits race, on however many instances, exactly
 * `limit` are allowed per window and exactly one is the first refusal. Like any fixed window, a
 * burst straddling two windows may get up to twice the limit in a short span.
 */
export class RateLimitWindowsRepository extends Repository {
  async hit(key: string, policy: WindowPolicy): Promise<WindowHit> {
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const outcome = await this.tryHit(key, policy);
      if (outcome !== 'raced') return outcome;
    }
    // Twenty lost races mean twenty other hits just counted: this one is surely over the limit.
    return { allowed: false, firstRefusal: false, retryAfterMs: policy.windowMs };
  }

  /** Housekeeping: drops windows that started at least `longestWindowMs` ago (over for every policy no longer); returns how many. */
  async deleteEnded(longestWindowMs: number): Promise<number> {
    return this.db(TABLE).where('window_start', '<=', this.clock() - longestWindowMs).delete();
  }

  private async tryHit(key: string, policy: WindowPolicy): Promise<WindowHit | 'raced'> {
    const now = this.clock();
    const row = await this.db<WindowRow>(TABLE).where({ limit_key: key }).first();
    if (!row) return this.open(key, now);
    const start: EpochMs = int(row.window_start);
    const hits = int(row.hits);
    if (now >= start + policy.windowMs) {
      // The window is over: a new one starts with this hit.
      const moved = await this.db(TABLE).where({ limit_key: key, window_start: start, hits }).update({ window_start: now, hits: 1, updated_at: now });
      return moved === 0 ? 'raced' : { allowed: true, hits: 1 };
    }
    const retryAfterMs = Math.min(policy.windowMs, start + policy.windowMs - now);
    // Already refused once in this window: nothing to record, nobody to tell again.
    if (hits > policy.limit) return { allowed: false, firstRefusal: false, retryAfterMs };
    const counted = await this.db(TABLE).where({ limit_key: key, window_start: start, hits }).update({ hits: hits + 1, updated_at: now });
    if (counted === 0) return 'raced';
    return hits + 1 <= policy.limit ? { allowed: true, hits: hits + 1 } : { allowed: false, firstRefusal: true, retryAfterMs };
  }

  private async open(key: string, now: EpochMs): Promise<WindowHit | 'raced'> {
    try {
      await this.db(TABLE).insert({ limit_key: key, window_start: now, hits: 1, updated_at: now });
      return { allowed: true, hits: 1 };
    } catch (error) {
      if (isUniqueViolation(error)) return 'raced';
      throw error;
    }
  }
}
