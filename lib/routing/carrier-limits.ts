import { TokenBucket } from '../esl/token-bucket';
import type { Clock } from '../time/clock';
import type { CarrierLimiter, CarrierSlot, LimitedCarrier, LimitRefusal } from './carrier-limiter';

interface CarrierUse {
  channels: number;
  bucket: TokenBucket | undefined;
  /** The carrier's maxCps the bucket was made for: a changed limit gets a new bucket. */
  cps: number | null;
}

/**
 * Per-carrier limits counted in this process, for a deployment of one controller (embedded mode:
 * in-process queue, no Redis). New calls per second go through a token bucket bursting up to
 * `maxCps`, as the node pool's does. Several controllers must count in Redis instead
 * (redis-carrier-limits.ts), or each would get the full limit.
 */
export class InProcessCarrierLimits implements CarrierLimiter {
  private readonly use = new Map<number, CarrierUse>();

  constructor(private readonly clock: Clock) {}

  tryTake(carrier: LimitedCarrier): Promise<CarrierSlot | LimitRefusal> {
    return Promise.resolve(this.take(carrier));
  }

  /** tryTake without the promise (the routing benchmark measures the CPU of a leg's routing). */
  take(carrier: LimitedCarrier): CarrierSlot | LimitRefusal {
    const use = this.useOf(carrier);
    if (carrier.maxChannels !== null && use.channels >= carrier.maxChannels) return 'max_channels';
    if (use.bucket && !use.bucket.tryTake()) return 'max_cps';
    return this.hold(carrier);
  }

  hold(carrier: LimitedCarrier): CarrierSlot {
    const use = this.useOf(carrier);
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

  private useOf(carrier: Pick<LimitedCarrier, 'id' | 'maxCps'>): CarrierUse {
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
