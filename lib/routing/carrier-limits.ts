import { TokenBucket } from '../esl/token-bucket';
import type { Clock } from '../time/clock';
import type { RouteCarrier } from './route-types';

export type LimitRefusal = 'max_channels' | 'max_cps';

/** A channel taken on a carrier; released once when the try's leg is over (a second release does nothing). */
export interface CarrierSlot {
  release(): void;
}

interface CarrierUse {
  channels: number;
  bucket: TokenBucket | undefined;
  /** The carrier's maxCps the bucket was made for: a changed limit gets a new bucket. */
  cps: number | null;
}

/**
 * Per-carrier limits of this process: calls up at once (`maxChannels`) and new calls per second
 * (`maxCps`, bursts up to the same number, as the node pool does). A carrier at a limit is
 * skipped for the try; the count is this instance's own (several instances each get the full
 * limit; the carrier's own rejections then fail over like any route cause).
 */
export class CarrierLimits {
  private readonly use = new Map<number, CarrierUse>();

  constructor(private readonly clock: Clock) {}

  /** Takes a channel and a CPS token on the carrier, or says which limit refused. */
  tryTake(carrier: Pick<RouteCarrier, 'id' | 'maxChannels' | 'maxCps'>): CarrierSlot | LimitRefusal {
    const use = this.useOf(carrier);
    if (carrier.maxChannels !== null && use.channels >= carrier.maxChannels) return 'max_channels';
    if (use.bucket && !use.bucket.tryTake()) return 'max_cps';
    use.channels += 1;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        use.channels -= 1;
      },
    };
  }

  channels(carrierId: number): number {
    return this.use.get(carrierId)?.channels ?? 0;
  }

  private useOf(carrier: Pick<RouteCarrier, 'id' | 'maxCps'>): CarrierUse {
    let use = this.use.get(carrier.id);
    if (!use) {
      use = { channels: 0, bucket: undefined, cps: null };
      this.use.set(carrier.id, use);
    }
    if (use.cps !== carrier.maxCps) {
      use.cps = carrier.maxCps;
      use.bucket = carrier.maxCps === null ? undefined : new TokenBucket(carrier.maxCps, Math.max(1, carrier.maxCps), this.clock);
    }
    return use;
  }
}
