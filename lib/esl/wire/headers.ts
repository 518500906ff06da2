import { sharedName, sharedValue } from './own-string';
import { eslUrlDecode } from './url-codec';

/**
 * Lookups of one header list before it builds an index. A channel event is asked for up to ~10
 * headers (the leg's times and cause on CHANNEL_HANGUP_COMPLETE), and an index of its ~150
 * lower-cased names, built after the 4th lookup, was about 7 % of the bytes a callback allocated
 * (issue #20), so only a list read many more times builds one.
 */
const INDEX_AFTER_LOOKUPS = 16;

/** What a lookup in the encoded lines answers when only the parsed list can tell. */
const NOT_ENCODED: unique symbol = Symbol('parse the encoded lines');

/** Where the value of the first line named exactly `name` starts in `text`, or -1. */
function valueStart(text: string, name: string): number {
  if (text.startsWith(name) && text.startsWith(': ', name.length)) return name.length + 2;
  const at = text.indexOf(`\n${name}: `);
  return at < 0 ? -1 : at + name.length + 3;
}

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
  /**
   * An event's header lines as they came, values URL-encoded (`fromEncodedLines`), until something
   * needs more than a lookup: then they are parsed into `flat` and this is dropped.
   */
  private encoded: string | undefined;

  constructor(entries: Iterable<readonly [string, string]> = [], options: { indexAfterLookups?: number } = {}) {
    this.lookupsLeft = options.indexAfterLookups ?? INDEX_AFTER_LOOKUPS;
    for (const [name, value] of entries) this.flat.push(name, value);
  }

  /**
   * The header lines of a `text/event-plain` event (`name: value`, values URL-encoded, every line
   * checked by the caller to have a name), read lazily (issue #20): a channel event has ~150
   * lines and is asked for a handful, and parsing every line into a name and a decoded value was
   * about a fifth of the bytes a callback allocated. A lookup finds its line in the text and
   * decodes that value alone; anything that visits the headers (forEach, compact, add…) parses
   * them all first, as before.
   */
  static fromEncodedLines(text: string): EslHeaders {
    const headers = new EslHeaders();
    if (text !== '') headers.encoded = text;
    return headers;
  }

  static from(record: Record<string, string | number | undefined>): EslHeaders {
    const headers = new EslHeaders();
    for (const [name, value] of Object.entries(record)) {
      if (value !== undefined) headers.add(name, String(value));
    }
    return headers;
  }

  add(name: string, value: string): this {
    this.parseEncoded();
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
    if (this.encoded !== undefined) {
      // A list read many times is parsed, and indexed at the next lookup.
      if (this.lookupsLeft > 0 && --this.lookupsLeft === 0) {
        this.parseEncoded();
        this.lookupsLeft = 1;
      } else {
        const found = this.findEncoded(name);
        if (found !== NOT_ENCODED) return found;
      }
    }
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
    this.parseEncoded();
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
    this.parseEncoded();
    for (let i = 0; i < this.flat.length; i += 2) visit(this.flat[i]!, this.flat[i + 1]!);
  }

  /** Whether any header's name starts with `prefix` (case-sensitive, as FreeSWITCH writes them). */
  someNameStartsWith(prefix: string): boolean {
    this.parseEncoded();
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
    this.parseEncoded();
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

  /**
   * The first value of `name` in the encoded lines: as written first, then ignoring case (both
   * first in line order, as `get` finds them in a parsed list), undefined when no line has it;
   * NOT_ENCODED when the lines must be parsed to tell (their lower case is not as long as they are).
   * A line starts the text or follows a newline, and its name ends at the first `: `: a value
   * cannot hold a newline or `: `, which FreeSWITCH and eslUrlEncode escape.
   */
  private findEncoded(name: string): string | undefined | typeof NOT_ENCODED {
    const text = this.encoded!;
    let start = valueStart(text, name);
    if (start < 0) {
      // Not kept: an event held for a call's life would hold its text twice (a miss is rare: ~4 a callback).
      const lower = text.toLowerCase();
      if (lower.length !== text.length) {
        this.parseEncoded();
        return NOT_ENCODED;
      }
      start = valueStart(lower, name.toLowerCase());
      if (start < 0) return undefined;
    }
    const end = text.indexOf('\n', start);
    return eslUrlDecode(text.slice(start, end < 0 ? text.length : end));
  }

  /** Parses the encoded lines, if any, into the list: every name and its decoded value, in order. */
  private parseEncoded(): void {
    const text = this.encoded;
    if (text === undefined) return;
    this.encoded = undefined;
    for (let start = 0; start < text.length; ) {
      const newline = text.indexOf('\n', start);
      const end = newline < 0 ? text.length : newline;
      if (end > start) {
        const colon = text.indexOf(': ', start);
        this.flat.push(text.slice(start, colon), eslUrlDecode(text.slice(colon + 2, end)));
      }
      start = end + 1;
    }
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
