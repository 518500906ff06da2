/**
 * An ordered header list. ESL messages may repeat a header (CHANNEL_HANGUP_COMPLETE carries
 * `Hangup-Cause` twice) and the simulator must reproduce FreeSWITCH's order, so a plain object
 * is not enough.
 */
export class EslHeaders {
  private readonly list: Array<[string, string]>;
  private index: Map<string, string> | undefined;
  private lookups = 0;

  constructor(entries: Iterable<[string, string]> = []) {
    this.list = [...entries];
  }

  static from(record: Record<string, string | number | undefined>): EslHeaders {
    const headers = new EslHeaders();
    for (const [name, value] of Object.entries(record)) {
      if (value !== undefined) headers.add(name, String(value));
    }
    return headers;
  }

  add(name: string, value: string): this {
    this.list.push([name, value]);
    if (this.index && !this.index.has(name.toLowerCase())) this.index.set(name.toLowerCase(), value);
    return this;
  }

  /**
   * The first value of a header; names are case-insensitive, as FreeSWITCH matches them. Most
   * events are asked for one or two headers (Event-Name, Unique-ID) near the top, so a scan
   * beats building an index of ~150 names; the index is built once a header list is read more.
   */
  get(name: string): string | undefined {
    if (this.index) return this.index.get(name.toLowerCase());
    if (++this.lookups > 3) {
      this.index = new Map();
      for (const [key, value] of this.list) {
        const lower = key.toLowerCase();
        if (!this.index.has(lower)) this.index.set(lower, value);
      }
      return this.index.get(name.toLowerCase());
    }
    for (const [key, value] of this.list) if (key === name) return value;
    const lower = name.toLowerCase();
    for (const [key, value] of this.list) if (key.toLowerCase() === lower) return value;
    return undefined;
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.list.filter(([key]) => key.toLowerCase() === lower).map(([, value]) => value);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  entries(): ReadonlyArray<readonly [string, string]> {
    return this.list;
  }

  names(): string[] {
    return this.list.map(([name]) => name);
  }

  get size(): number {
    return this.list.length;
  }

  /** A plain record (first value wins) for logging and for code that wants `variable_*` lookups. */
  toRecord(): Record<string, string> {
    const record: Record<string, string> = {};
    for (const [name, value] of this.list) {
      if (!(name in record)) record[name] = value;
    }
    return record;
  }
}
