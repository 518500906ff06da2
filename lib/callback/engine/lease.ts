/**
 * Whether a lease taken at `since` may have run out by `now`: once a renewal was due (a third of
 * the lease) it may have failed, e.g. while the database was away. Before that it cannot have.
 */
export function leaseMayHaveLapsed(since: number, now: number, leaseMs: number): boolean {
  return now - since >= Math.floor(leaseMs / 3);
}

/** A request's watch on its lease, ended once the request no longer needs it (released, retired). */
export interface LeaseWatch {
  stop(): void;
}

/**
 * O5: who is told when this instance loses the lease on a request it is calling for (a cancel
 * elsewhere released it, or another instance recovered it because this one looked dead). The
 * leases themselves are renewed by the instance's heartbeat, one UPDATE for all of them every
 * third of the lease (`lib/scheduler/lease-heartbeat.ts`), which reports the ones it could not
 * renew here. Until 2026-12-07 each call renewed its own lease on a timer of its own: at 10,000
 * calls held with the default lease, 250 UPDATEs (and commits) a second beside the heartbeat's
 * one for the same rows, and a warning per call when the database was away.
 */
export class LeaseWatches {
  private readonly watching = new Map<string, () => void>();

  /** `onLost` runs once, at the first report that the lease on `requestId` is gone, unless the watch was stopped before. */
  watch(requestId: string, onLost: () => void): LeaseWatch {
    this.watching.set(requestId, onLost);
    return {
      stop: () => {
        if (this.watching.get(requestId) === onLost) this.watching.delete(requestId);
      },
    };
  }

  /** The requests watched now: those this instance calls under a lease it holds, the ones its heartbeat renews. */
  ids(): string[] {
    return [...this.watching.keys()];
  }

  /** The heartbeat could not renew these leases: tell their watchers (ids nobody watches any more are ignored). */
  lost(requestIds: readonly string[]): void {
    for (const id of requestIds) {
      const onLost = this.watching.get(id);
      if (!onLost) continue;
      this.watching.delete(id);
      onLost();
    }
  }
}
