import { sharedName, sharedValue } from './own-string';

/**
 * Lookups of one header list before it builds an index. A channel event is asked for up to ~10
 * headers (the leg's times and cause on CHANNEL_HANGUP_COMPLETE), and an index of its ~150
 * lower-cased names, built after the 4th lookup, was about 7 % of the bytes a callback allocated
 * (issue #20), so only a list read many more times builds one.
 */
const INDEX_AFTER_LOOKUPS = 16;

/**
 * Whether header `candidate` is `name` (`lower`: its lower case) ignoring case. Header names are
 * ASCII, whose lower case has the same length, so most names are ruled out without a copy.
 */
function sameName(candidate: string, name: string, lower: string): boolean {
  return candidate.length === name.length && candidate.toLowerCase() === lower;
}

/**
 * An ordered header list. ESL messages may repeat a header (CHANNEL_HANGUP_COMPLETE carries
 * `Hangup-Cause` twice) and the simulator must reproduce FreeSWITCH's order, so a plain object
 * is not enough.
 *
 * Stored flat (name, value, name, value…): a channel event has ~150 headers, and a pair array per
 * header cost ~70 bytes each, which a held call paid for every event it keeps (see compact()).
 */
export class EslHeaders {
  private readonly flat: string[] = [];
  private index: Map<string, string> | undefined;
  /** Lookups before an index is built; 0 never builds one (a compact copy kept for a call's life). */
  private lookupsLeft: number;

  constructor(entries: Iterable<readonly [string, string]> = [], options: { indexAfterLookups?: number } = {}) {
    this.lookupsLeft = options.indexAfterLookups ?? INDEX_AFTER_LOOKUPS;
    for (const [name, value] of entries) this.flat.push(name, value);
  }

  static from(record: Record<string, string | number | undefined>): EslHeaders {
    const headers = new EslHeaders();
    for (const [name, value] of Object.entries(record)) {
      if (value !== undefined) headers.add(name, String(value));
    }
    return headers;
  }

  add(name: string, value: string): this {
    this.flat.push(name, value);
    if (this.index && !this.index.has(name.toLowerCase())) this.index.set(name.toLowerCase(), value);
    return this;
  }

  /**
   * The first value of a header; names are case-insensitive, as FreeSWITCH matches them. Most
   * events are asked for a few headers, most of them near the top, so a scan beats building an
   * index of ~150 names; the index is built once a header list is read many times.
   */
  get(name: string): string | undefined {
    if (this.index) return this.index.get(name.toLowerCase());
    if (this.lookupsLeft > 0 && --this.lookupsLeft === 0) {
      this.index = new Map();
      for (let i = 0; i < this.flat.length; i += 2) {
        const lower = this.flat[i]!.toLowerCase();
        if (!this.index.has(lower)) this.index.set(lower, this.flat[i + 1]!);
      }
      return this.index.get(name.toLowerCase());
    }
    for (let i = 0; i < this.flat.length; i += 2) if (this.flat[i] === name) return this.flat[i + 1];
    const lower = name.toLowerCase();
    for (let i = 0; i < this.flat.length; i += 2) if (sameName(this.flat[i]!, name, lower)) return this.flat[i + 1];
    return undefined;
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const values: string[] = [];
    for (let i = 0; i < this.flat.length; i += 2) if (sameName(this.flat[i]!, name, lower)) values.push(this.flat[i + 1]!);
    return values;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Visits every header in order without allocating a pair per header (the serializers' path). */
  forEach(visit: (name: string, value: string) => void): void {
    for (let i = 0; i < this.flat.length; i += 2) visit(this.flat[i]!, this.flat[i + 1]!);
  }

  /** Whether any header's name starts with `prefix` (case-sensitive, as FreeSWITCH writes them). */
  someNameStartsWith(prefix: string): boolean {
    for (let i = 0; i < this.flat.length; i += 2) if (this.flat[i]!.startsWith(prefix)) return true;
    return false;
  }

  /** The headers as pairs, in order (a new array each call). */
  entries(): Array<[string, string]> {
    const pairs: Array<[string, string]> = [];
    this.forEach((name, value) => pairs.push([name, value]));
    return pairs;
  }

  names(): string[] {
    const names: string[] = [];
    this.forEach((name) => names.push(name));
    return names;
  }

  get size(): number {
    return this.flat.length / 2;
  }

  /**
   * A copy to keep for a long time (a call's channel data): header names shared with every other
   * kept copy, values out of the event's text (see own-string), and no lookup index (a kept copy
   * is read a few times, and an index of ~150 lowercased names cost more than the headers).
   */
  compact(): EslHeaders {
    const copy = new EslHeaders([], { indexAfterLookups: 0 });
    this.forEach((name, value) => {
      const shared = sharedName(name);
      copy.flat.push(shared, sharedValue(shared, value));
    });
    return copy;
  }

  /** A plain record (first value wins) for logging and for code that wants `variable_*` lookups. */
  toRecord(): Record<string, string> {
    const record: Record<string, string> = {};
    this.forEach((name, value) => {
      if (!(name in record)) record[name] = value;
    });
    return record;
  }
}
