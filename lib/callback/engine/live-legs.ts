import type { LiveLeg } from './live-leg';

/**
 * The legs this process drives (its requests' legs, adopted talks' legs, legs settled from a
 * reported end), by uuid, from their LiveLeg until their settlement: an end FreeSWITCH reports
 * some other way (its CDR) is handed to the leg held here instead of a second LiveLeg settling
 * the same end in a race with it (reported-end.ts).
 */
export class LiveLegs {
  private readonly legs = new Map<string, LiveLeg>();

  hold(leg: LiveLeg): void {
    this.legs.set(leg.uuid, leg);
  }

  /** Lets `leg` go; a newer LiveLeg of the same uuid (a later adoption) stays held. */
  release(leg: LiveLeg): void {
    if (this.legs.get(leg.uuid) === leg) this.legs.delete(leg.uuid);
  }

  held(uuid: string): LiveLeg | undefined {
    return this.legs.get(uuid);
  }

  get size(): number {
    return this.legs.size;
  }
}
