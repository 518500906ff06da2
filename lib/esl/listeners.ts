import type { Logger } from '../log/logger';

type ListenerMap = { [K: string]: (...args: never[]) => void };

/**
 * A typed listener registry whose `emit` never throws. Our listeners run inside socket 'data'
 * handlers, where an exception would escape to the process (ESL-NOTES §7.1/§7.4): a faulty
 * listener is logged and the others still run.
 */
export class Listeners<M extends ListenerMap> {
  private readonly sets = new Map<keyof M, Set<M[keyof M]>>();

  constructor(
    private readonly logger: Logger,
    /** Added to the line about a faulty listener (a session's channel, without a child logger held for it). */
    private readonly fields: Record<string, unknown> = {},
  ) {}

  on<K extends keyof M>(type: K, listener: M[K]): () => void {
    let set = this.sets.get(type);
    if (!set) {
      set = new Set();
      this.sets.set(type, set);
    }
    set.add(listener);
    return () => void set.delete(listener);
  }

  emit<K extends keyof M>(type: K, ...args: Parameters<M[K]>): void {
    const set = this.sets.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<M[K]>) => void)(...args);
      } catch (error) {
        this.logger.error('ESL listener threw; ignored', { ...this.fields, listener: String(type), error: errorText(error) });
      }
    }
  }

  count(type: keyof M): number {
    return this.sets.get(type)?.size ?? 0;
  }

  clear(): void {
    this.sets.clear();
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
