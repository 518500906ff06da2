import type { EslEvent } from '../esl/wire';
import { KNOWN_EVENT_NAMES, MYEVENTS_SET } from './event-templates';

export type SubscriptionFormat = 'plain' | 'json';

export interface ParsedEventCommand {
  format: SubscriptionFormat | 'xml' | undefined;
  names: string[];
  subclasses: string[];
}

/**
 * `event [plain|json|xml] NAMES… [CUSTOM sub…]` as mod_event_socket reads it: every word after
 * CUSTOM is a subclass (capture README surprise 9), unknown names are ignored.
 */
export function parseEventCommand(words: string[]): ParsedEventCommand {
  const [first] = words;
  const lower = first?.toLowerCase();
  const format = lower === 'plain' || lower === 'json' || lower === 'xml' ? lower : undefined;
  const rest = format ? words.slice(1) : words;
  const names: string[] = [];
  const subclasses: string[] = [];
  let custom = false;
  for (const word of rest) {
    if (custom) {
      subclasses.push(word);
      continue;
    }
    const name = word.toUpperCase().replace(/^SWITCH_EVENT_/, '');
    if (!KNOWN_EVENT_NAMES.has(name)) continue;
    names.push(name);
    if (name === 'CUSTOM') custom = true;
  }
  return { format, names, subclasses };
}

interface Filter {
  readonly header: string;
  /** As the client wrote it (what `filter delete` names). */
  readonly value: string;
  /** A `-` value excludes. */
  readonly positive: boolean;
  readonly matches: (actual: string) => boolean;
}

/**
 * One connection's event selection: subscribed names, CUSTOM subclasses, `myevents` and filters,
 * with mod_event_socket's `event_handler` semantics.
 */
export class Subscription {
  format: SubscriptionFormat = 'plain';
  private enabled = false;
  private all = false;
  private readonly names = new Set<string>();
  private readonly subclasses = new Set<string>();
  private filters: Filter[] = [];
  private myUuid: string | undefined;

  get listening(): boolean {
    return this.enabled;
  }

  get myEvents(): string | undefined {
    return this.myUuid;
  }

  subscribe(names: readonly string[], subclasses: readonly string[]): void {
    this.enabled = true;
    for (const name of names) {
      if (name === 'ALL') this.all = true;
      else this.names.add(name);
    }
    for (const sub of subclasses) this.subclasses.add(sub);
  }

  nix(names: readonly string[], subclasses: readonly string[]): void {
    for (const name of names) {
      if (name === 'ALL') {
        this.all = false;
        this.names.clear();
      } else {
        this.names.delete(name);
      }
    }
    for (const sub of subclasses) this.subclasses.delete(sub);
  }

  /** `noevents`; false when nothing was subscribed. */
  clear(): boolean {
    const was = this.enabled;
    this.enabled = false;
    this.all = false;
    this.names.clear();
    this.subclasses.clear();
    return was;
  }

  enableMyEvents(uuid: string): void {
    this.myUuid = uuid;
    this.subscribe(MYEVENTS_SET, []);
  }

  addFilter(header: string, value: string): void {
    this.filters.push({ header, value, positive: !value.startsWith('-'), matches: matcher(value.replace(/^[+-]+/, '')) });
  }

  /** `filter delete H [v]` / `filter delete all`. */
  deleteFilter(header: string, value: string | undefined): void {
    if (header.toLowerCase() === 'all') {
      this.filters = [];
      return;
    }
    this.filters = this.filters.filter((f) => f.header.toLowerCase() !== header.toLowerCase() || (value !== undefined && f.value !== value));
  }

  /** Whether events of this name may pass, before the event exists (accepts() has the last word). */
  wants(name: string): boolean {
    return this.enabled && (this.all || this.names.has(name));
  }

  accepts(event: EslEvent): boolean {
    if (!this.enabled) return false;
    let send = this.all || (this.names.has(event.name) && this.customAllowed(event));
    if (send && this.myUuid !== undefined) {
      send = event.headers.get('Unique-ID') === this.myUuid || event.headers.get('Job-Owner-UUID') === this.myUuid;
    }
    return send && this.passesFilters(event);
  }

  private customAllowed(event: EslEvent): boolean {
    if (event.name !== 'CUSTOM') return true;
    const subclass = event.headers.get('Event-Subclass');
    return subclass === undefined || this.subclasses.has(subclass);
  }

  /** OR-ed filters; a `-` prefix excludes and wins, `/re/` is a regular expression. */
  private passesFilters(event: EslEvent): boolean {
    if (this.filters.length === 0) return true;
    let send = false;
    for (const filter of this.filters) {
      const actual = event.headers.get(filter.header);
      if (actual === undefined) continue;
      if (send && filter.positive) continue;
      if (filter.matches(actual)) {
        if (!filter.positive) return false;
        send = true;
      }
    }
    return send;
  }
}

/** A filter value's test, made once: `/re/` is a regular expression (one that does not compile matches nothing). */
function matcher(wanted: string): (actual: string) => boolean {
  if (wanted.startsWith('/')) {
    const source = wanted.endsWith('/') && wanted.length > 1 ? wanted.slice(1, -1) : wanted.slice(1);
    let pattern: RegExp;
    try {
      pattern = new RegExp(source);
    } catch {
      return () => false;
    }
    return (actual) => pattern.test(actual);
  }
  const lower = wanted.toLowerCase();
  return (actual) => actual.toLowerCase() === lower;
}
