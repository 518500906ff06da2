import type { TimerHandle } from '../../time/clock';
import type { EngineContext } from './context';

/**
 * Whether a lease taken at `since` may have run out by `now`: once a renewal was due (a third of
 * the lease) it may have failed, e.g. while the database was away. Before that it cannot have.
 */
export function leaseMayHaveLapsed(since: number, now: number, leaseMs: number): boolean {
  return now - since >= Math.floor(leaseMs / 3);
}

/**
 * O5: keeps this instance's lease on a request it is calling for, as long as it does. The sweep
 * takes a request whose lease ran out for recovery, so a call lasting longer than the lease
 * must not look like a dead instance. Renewing at a third leaves two chances before it expires.
 */
export class LeaseKeeper {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly requestId: string,
    private readonly onLost: () => void,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.ctx.clock.setTimeout(() => void this.renew(), Math.max(1, Math.floor(this.ctx.leaseMs / 3)));
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    try {
      const kept = await this.ctx.store.callbackRequests.renewLease(this.requestId, this.ctx.instanceId, this.ctx.clock.now(), this.ctx.leaseMs);
      if (!kept) {
        this.stopped = true;
        this.onLost();
        return;
      }
    } catch (error) {
      this.ctx.logger.warn('lease renewal failed; retrying', { requestId: this.requestId, error: error instanceof Error ? error.message : String(error) });
    }
    this.schedule();
  }
}
