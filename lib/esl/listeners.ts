import type { Logger } from '../log/logger';

type ListenerMap = { [K: string]: (...args: never[]) => void };

/**
 * A typed listener registry whose `emit` never throws. Our listeners run inside socket 'data'
 * handlers, where an exception would escape to the process (ESL-NOTES §7.1/§7.4): a faulty
 * listener is logged and the others still run.
 */
export class Listeners<M extends ListenerMap> {
  /**
   * Arrays, not Sets: a session has one or two listeners per type for the call's whole life, and
   * a Set's hash table is ~0.15 KB where a small array is a few words.
   */
  private readonly lists = new Map<keyof M, M[keyof M][]>();

  constructor(
    private readonly logger: Logger,
    /** Added to the line about a faulty listener (a session's channel, without a child logger held for it). */
    private readonly fields: Record<string, unknown> = {},
  ) {}

  /** Adds a listener once (adding it again changes nothing); returns what removes it. */
  on<K extends keyof M>(type: K, listener: M[K]): () => void {
    let list = this.lists.get(type);
    if (!list) {
      list = [];
      this.lists.set(type, list);
    }
    if (!list.includes(listener)) list.push(listener);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  emit<K extends keyof M>(type: K, ...args: Parameters<M[K]>): void {
    const list = this.lists.get(type);
    if (!list || list.length === 0) return;
    for (const listener of list.slice()) {
      try {
        (listener as (...a: Parameters<M[K]>) => void)(...args);
      } catch (error) {
        this.logger.error('ESL listener threw; ignored', { ...this.fields, listener: String(type), error: errorText(error) });
      }
    }
  }

  count(type: keyof M): number {
    return this.lists.get(type)?.length ?? 0;
  }

  clear(): void {
    this.lists.clear();
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
