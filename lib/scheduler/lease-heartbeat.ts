import type { Knex } from 'knex';
import type { Logger } from '../log/logger';
import type { Clock, TimerHandle } from '../time/clock';
import { leasesNotHeld, renewInstanceLeases } from '../store/request-claims';

export interface LeaseHeartbeatOptions {
  db: Knex;
  clock: Clock;
  logger: Logger;
  instanceId: string;
  activeStates: readonly string[];
  leaseMs: number;
  /**
   * The requests this process really works on (its runners, its recoveries). Given, only their
   * leases are renewed, so a request left active without anyone working on it here (a lost
   * runner) lets its lease run out and is recovered by the sweep like a dead instance's.
   */
  owned?: () => readonly string[];
  /**
   * Told which of `owned` it could not renew (another instance took them over, a cancel elsewhere
   * released them): the only renewal those requests have, so the only one that can tell them.
   */
  onLost?: (requestIds: readonly string[]) => void;
}

/**
 * Keeps this instance's leases on its active requests alive for as long as the process runs, in
 * one statement per beat, so that neither the dispatcher nor the engine has to renew per call.
 * A lease therefore runs out only when its instance died (or stalled longer than the lease), which
 * is exactly when the sweep should recover the request. Beating at a third of the lease leaves
 * two chances before it runs out; the next beat is set only after the previous one finished, so
 * beats never pile up.
 */
export class LeaseHeartbeat {
  private timer: TimerHandle | null = null;
  private running = false;
  private beating: Promise<void> | null = null;

  constructor(private readonly options: LeaseHeartbeatOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
    await this.beating;
  }

  /** One beat now (also what the timer runs). */
  async beat(): Promise<number> {
    const { db, clock, instanceId, activeStates, leaseMs, owned, onLost } = this.options;
    const now = clock.now();
    const ids = owned?.();
    const renewed = await renewInstanceLeases(db, instanceId, activeStates, now, leaseMs, ids);
    if (ids && onLost && renewed < ids.length) {
      // Fewer than listed: a request that just ended released its own, or a lease was lost.
      const lost = await leasesNotHeld(db, instanceId, ids, now);
      if (lost.length > 0) onLost(lost);
    }
    return renewed;
  }

  private schedule(): void {
    if (!this.running) return;
    const every = Math.max(1, Math.floor(this.options.leaseMs / 3));
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      this.beating = this.beat()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.options.logger.warn('lease heartbeat failed; retrying at the next beat', { error });
        })
        .finally(() => {
          this.beating = null;
          this.schedule();
        });
    }, every);
  }
}
