import type { Clock, TimerHandle } from '../time/clock';
import { validateCodes, type CodeDefinition, type FeatureName } from './codes';

const MAX_NUMBER_DIGITS = 20;

/** What the matcher made of A's keys. */
export type MatchResult =
  /** A whole code: its feature, the keys pressed and the digits its placeholders took. */
  | { readonly kind: 'code'; readonly feature: FeatureName; readonly keys: string; readonly args: readonly string[] }
  /** Not the start of any code: meant for the other party (re-sent to B). */
  | { readonly kind: 'passthrough'; readonly digits: string }
  /** Began like a code but is none (or was left unfinished): ignored and logged. */
  | { readonly kind: 'unknown'; readonly digits: string };

type Fit = { readonly status: 'exact' | 'prefix'; readonly args: string[] } | { readonly status: 'none' };

const isDigit = (key: string | undefined): boolean => key !== undefined && key >= '0' && key <= '9';

/** How `keys` (pressed so far) fits `pattern`: a whole code, the start of one, or neither. */
export function fit(pattern: string, keys: string): Fit {
  const args: string[] = [];
  let i = 0;
  for (const token of pattern) {
    if (i === keys.length) return { status: 'prefix', args };
    if (token === 'D') {
      if (!isDigit(keys[i])) return { status: 'none' };
      args.push(keys[i] as string);
      i += 1;
    } else if (token === 'N') {
      const start = i;
      while (isDigit(keys[i])) i += 1;
      if (i - start > MAX_NUMBER_DIGITS) return { status: 'none' };
      if (i === keys.length) return { status: 'prefix', args };
      if (i === start) return { status: 'none' };
      args.push(keys.slice(start, i));
    } else {
      if (keys[i] !== token) return { status: 'none' };
      i += 1;
    }
  }
  return i === keys.length ? { status: 'exact', args } : { status: 'none' };
}

export interface DtmfCodeMatcherOptions {
  readonly codes: readonly CodeDefinition[];
  readonly clock: Clock;
  /** How long after a key the matcher waits for the next one before it decides (`#1` vs `#11`). */
  readonly interDigitMs: number;
  readonly onResult: (result: MatchResult) => void;
}

/**
 * Turns A's keys, one at a time, into codes. Pure apart from the Clock: no I/O.
 *
 * - A key that starts no code (`5` on its own) passes through at once.
 * - A whole code that no longer code continues (`**`, `*8`, `#0`) fires at once.
 * - A whole code that a longer one continues (`#1` vs `#11`) fires when the inter-digit timeout
 *   passes without a key, or when the next key does not continue the longer code (`#1` then `5`:
 *   `#1` fires and `5` is taken afresh).
 * - Keys that start a code and then leave every code (`*5`, `##12*`) are unknown: dropped and reported.
 * - A code left unfinished for the timeout is unknown too, except a lone `*` or `#`, which passes through.
 */
export class DtmfCodeMatcher {
  private buffer = '';
  private timer: TimerHandle | undefined;

  constructor(private readonly options: DtmfCodeMatcherOptions) {
    validateCodes(options.codes);
  }

  /** Keys waiting for a decision. */
  get pending(): string {
    return this.buffer;
  }

  press(key: string): void {
    if (!/^[0-9*#A-D]$/.test(key)) return;
    this.cancelTimer();
    const keys = this.buffer + key;
    const fits = this.fits(keys);
    if (fits.prefix || fits.exact) {
      this.buffer = keys;
      if (fits.exact && !fits.prefix) return this.fire();
      this.timer = this.options.clock.setTimeout(() => this.timeout(), this.options.interDigitMs);
      return;
    }
    // The key leaves every code.
    const before = this.buffer;
    this.buffer = '';
    if (before === '') return this.emit({ kind: 'passthrough', digits: key });
    if (this.fits(before).exact) {
      this.emitCode(before);
      return this.press(key);
    }
    this.emit({ kind: 'unknown', digits: keys });
  }

  /** Drops pending keys (the talk ended). */
  reset(): void {
    this.cancelTimer();
    this.buffer = '';
  }

  private timeout(): void {
    this.timer = undefined;
    const keys = this.buffer;
    if (keys === '') return;
    if (this.fits(keys).exact) return this.fire();
    this.buffer = '';
    this.emit(keys.length === 1 ? { kind: 'passthrough', digits: keys } : { kind: 'unknown', digits: keys });
  }

  private fire(): void {
    const keys = this.buffer;
    this.buffer = '';
    this.emitCode(keys);
  }

  private emitCode(keys: string): void {
    for (const code of this.options.codes) {
      const result = fit(code.keys, keys);
      if (result.status === 'exact') return this.emit({ kind: 'code', feature: code.feature, keys, args: result.args });
    }
  }

  private fits(keys: string): { exact: boolean; prefix: boolean } {
    let exact = false;
    let prefix = false;
    for (const code of this.options.codes) {
      const result = fit(code.keys, keys);
      if (result.status === 'exact') exact = true;
      else if (result.status === 'prefix') prefix = true;
    }
    return { exact, prefix };
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private emit(result: MatchResult): void {
    this.options.onResult(result);
  }
}
