/** How many live streams may be open at once on this instance. */
export interface StreamLimits {
  /** Per key: one API key, one portal login or the operator key. */
  readonly perKey: number;
  /** All keys together. */
  readonly total: number;
}

/** Defaults for routers built without settings (tests, embedding); the service passes http.maxStreamsPerClient and http.maxStreams. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = { perKey: 20, total: 1000 };

export type SlotTaken = { readonly ok: true; readonly release: () => void } | { readonly ok: false; readonly full: 'key' | 'total' };

/**
 * Counts the open Server-Sent Events streams, so that one key cannot hold thousands of
 * connections open (each costs a socket and a subscription). In memory: a stream lives in this
 * process, and so does what it costs.
 */
export class StreamSlots {
  private readonly perKey = new Map<string, number>();
  private open = 0;

  constructor(readonly limits: StreamLimits) {}

  /** A slot for one more stream of `key`, or which limit is reached; release it once, when the stream ends. */
  take(key: string): SlotTaken {
    const mine = this.perKey.get(key) ?? 0;
    if (mine >= this.limits.perKey) return { ok: false, full: 'key' };
    if (this.open >= this.limits.total) return { ok: false, full: 'total' };
    this.perKey.set(key, mine + 1);
    this.open += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.open -= 1;
        const left = (this.perKey.get(key) ?? 1) - 1;
        if (left === 0) this.perKey.delete(key);
        else this.perKey.set(key, left);
      },
    };
  }
}
