import vm from 'node:vm';

/*
 * Just enough of a browser to run the portal's script (lib/http/portal/script.ts) as shipped:
 * elements with attributes, children and text, the few selectors the script uses (tag, [attr],
 * [attr="value"], descendants), an EventSource whose events the test fires, and timers and fetch
 * the test runs by hand. No jsdom in this project, and the real browser test is in spec/browser.
 */

type Listener = (event: { data?: string }) => void;

export class FakeElement {
  readonly children: FakeElement[] = [];
  textContent = '';
  hidden = false;
  private readonly attributes = new Map<string, string>();

  constructor(readonly tagName: string, attributes: Record<string, string> = {}) {
    for (const [name, value] of Object.entries(attributes)) this.attributes.set(name, value);
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }
  appendChild(child: FakeElement): FakeElement {
    this.children.push(child);
    return child;
  }
  add(child: FakeElement): this {
    this.children.push(child);
    return this;
  }
  querySelector(selector: string): FakeElement | null {
    return this.querySelectorAll(selector)[0] ?? null;
  }
  querySelectorAll(selector: string): FakeElement[] {
    const parts = selector.trim().split(/\s+/);
    return this.descendants().filter((element) => element.matchesPath(parts, this));
  }

  private descendants(): FakeElement[] {
    return this.children.flatMap((child) => [child, ...child.descendants()]);
  }
  private matchesPath(parts: string[], root: FakeElement): boolean {
    const last = parts[parts.length - 1];
    if (last === undefined || !this.matches(last)) return false;
    if (parts.length === 1) return true;
    for (let ancestor = root.ancestorOf(this); ancestor && ancestor !== root; ancestor = root.ancestorOf(ancestor)) {
      if (ancestor.matchesPath(parts.slice(0, -1), root)) return true;
    }
    return false;
  }
  private ancestorOf(element: FakeElement): FakeElement | null {
    for (const child of this.children) {
      if (child === element) return this;
      const found = child.ancestorOf(element);
      if (found) return found;
    }
    return null;
  }
  private matches(compound: string): boolean {
    const match = /^([a-z]*)((?:\[[\w-]+(?:="[^"]*")?\])*)$/.exec(compound);
    if (!match) throw new Error(`the fake page does not know the selector ${compound}`);
    if (match[1] && match[1] !== this.tagName) return false;
    for (const [, name, value] of (match[2] ?? '').matchAll(/\[([\w-]+)(?:="([^"]*)")?\]/g)) {
      const actual = this.attributes.get(name as string);
      if (actual === undefined || (value !== undefined && actual !== value)) return false;
    }
    return true;
  }
}

export class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = FakeEventSource.CONNECTING;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly url: string, private readonly page: FakePage) {
    page.sources.push(this);
  }
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }
  /** As the browser would: `open`, a named event with JSON data, or `error`. */
  fire(type: string, data?: unknown): void {
    if (type === 'open') this.readyState = FakeEventSource.OPEN;
    for (const listener of this.listeners.get(type) ?? []) listener(data === undefined ? {} : { data: JSON.stringify(data) });
  }
}

export class FakePage {
  readonly body = new FakeElement('body');
  readonly sources: FakeEventSource[] = [];
  /** Timers the script set, in order; run them with runTimer(). */
  readonly timers: Array<{ ms: number; run: () => void; done: boolean }> = [];
  readonly fetches: string[] = [];
  fetchAnswer: unknown = { items: [] };
  private readonly ready: Array<() => void> = [];

  /** Runs `script` in a context of its own, with Math.random fixed (the jitter) and the page loaded. */
  load(script: string, random = 0): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the constructor below needs the page
    const page = this;
    const document = {
      addEventListener: (type: string, listener: () => void) => {
        if (type === 'DOMContentLoaded') this.ready.push(listener);
      },
      querySelectorAll: (selector: string) => this.body.querySelectorAll(selector),
      createElement: (tag: string) => new FakeElement(tag),
    };
    function EventSource(this: unknown, url: string) {
      return new FakeEventSource(url, page);
    }
    Object.assign(EventSource, { CONNECTING: 0, OPEN: 1, CLOSED: 2 });
    const context = vm.createContext({
      document,
      EventSource,
      setTimeout: (run: () => void, ms: number) => this.timers.push({ ms, run, done: false }),
      fetch: (url: string) => {
        this.fetches.push(url);
        return Promise.resolve({ ok: true, json: () => Promise.resolve(this.fetchAnswer) });
      },
    });
    vm.runInContext(`Math.random = function () { return ${random}; };`, context);
    vm.runInContext(script, context);
    for (const listener of this.ready.splice(0)) listener();
  }

  /** The newest stream the script opened. */
  get source(): FakeEventSource {
    const source = this.sources[this.sources.length - 1];
    if (!source) throw new Error('the script opened no stream');
    return source;
  }

  /** Waits set and not yet run, in ms. */
  pendingWaits(): number[] {
    return this.timers.filter((timer) => !timer.done).map((timer) => timer.ms);
  }

  /** Runs the oldest pending timer; returns its wait. */
  runTimer(): number {
    const timer = this.timers.find((candidate) => !candidate.done);
    if (!timer) throw new Error('no timer is pending');
    timer.done = true;
    timer.run();
    return timer.ms;
  }
}
