/**
 * Parsing of originate/bridge arguments and dial strings. Everything here returns a result or an
 * error value and never throws: a client sending garbage must get `-ERR`, not crash the switch.
 */

export type Endpoint =
  | { kind: 'gateway'; gateway: string; number: string }
  | { kind: 'profile'; profile: string; number: string; host: string | undefined }
  | { kind: 'user'; number: string; domain: string | undefined }
  | { kind: 'error'; cause: string }
  | { kind: 'unsupported'; module: string };

export interface DialTarget {
  readonly vars: ReadonlyArray<readonly [string, string]>;
  readonly endpoint: Endpoint;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Splits on spaces like `switch_separate_string`: single quotes group words (and are removed
 * around a whole word), and a `{…}`/`[…]`/`<…>` variable block is never split, so
 * `{origination_caller_id_name='Call Back'}sofia/…` stays one argument.
 */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  // The argument so far is `current` plus text[from, i): characters are taken as runs, not one by one.
  let current = '';
  let from = 0;
  let quoted = false;
  let depth = 0;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE && depth === 0) {
      current += text.slice(from, i);
      from = i + 1;
      quoted = !quoted;
      started = true;
      continue;
    }
    if (!quoted) {
      if (OPENERS.includes(code)) depth++;
      else if (CLOSING.includes(code) && depth > 0) depth--;
    }
    if (!quoted && depth === 0 && isWhitespace(text, i, code)) {
      if (started) args.push(current + text.slice(from, i));
      current = '';
      from = i + 1;
      started = false;
      continue;
    }
    started = true;
  }
  if (started) args.push(current + text.slice(from));
  return args;
}

const QUOTE = 0x27;
const OPENERS = [0x7b, 0x5b, 0x3c]; // { [ <
const CLOSING = [0x7d, 0x5d, 0x3e]; // } ] >

/** `\s` at text[i]: ASCII by code, the rest (Unicode spaces, rare in a command) by the regular expression. */
function isWhitespace(text: string, i: number, code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return /\s/.test(text[i]!);
}

/** `a=b,c='d e',f=g\,h` → pairs; a value's surrounding single quotes are removed. */
export function parseVarBlock(body: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let current = '';
  let quoted = false;
  const flush = (): void => {
    const eq = current.indexOf('=');
    if (eq > 0) {
      let value = current.slice(eq + 1);
      if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1);
      pairs.push([current.slice(0, eq).trim(), value]);
    }
    current = '';
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === '\\' && body[i + 1] === ',') {
      current += ',';
      i++;
    } else if (ch === "'") {
      quoted = !quoted;
      current += ch;
    } else if (ch === ',' && !quoted) {
      flush();
    } else {
      current += ch;
    }
  }
  flush();
  return pairs;
}

const CLOSERS: Record<string, string> = { '{': '}', '[': ']', '<': '>' };

/** One leg: `{vars}[vars]endpoint`. Several legs (`,` or `|`) are not modelled. */
export function parseDialString(text: string): Parsed<DialTarget> {
  let rest = text.trim();
  const vars: Array<[string, string]> = [];
  while (rest.length > 0 && rest[0] !== undefined && CLOSERS[rest[0]] !== undefined) {
    const closer = CLOSERS[rest[0]] as string;
    const end = findCloser(rest, closer);
    if (end < 0) return { ok: false, error: 'unterminated variable block' };
    vars.push(...parseVarBlock(rest.slice(1, end)));
    rest = rest.slice(end + 1);
  }
  if (rest === '') return { ok: false, error: 'empty dial string' };
  if (/[,|]/.test(rest) || rest.includes(':_:')) return { ok: false, error: 'multi-leg dial strings are not modelled' };
  const endpoint = parseEndpoint(rest);
  return endpoint.ok ? { ok: true, value: { vars, endpoint: endpoint.value } } : endpoint;
}

function findCloser(text: string, closer: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === "'") quoted = !quoted;
    else if (ch === closer && !quoted) return i;
  }
  return -1;
}

function parseEndpoint(text: string): Parsed<Endpoint> {
  const parts = text.split('/');
  const [module = '', second = '', ...more] = parts;
  if (!/^[A-Za-z0-9_]+$/.test(module) || parts.length < 2) return { ok: false, error: `no endpoint in ${JSON.stringify(text)}` };
  if (module === 'error') return { ok: true, value: { kind: 'error', cause: second.toUpperCase() } };
  if (module === 'user') return userEndpoint(text, [second, ...more].join('/'));
  if (module !== 'sofia') return { ok: true, value: { kind: 'unsupported', module } };
  if (second === 'gateway') {
    const [gateway = '', ...numberParts] = more;
    const number = numberParts.join('/').split('@')[0] ?? '';
    if (gateway === '' || number === '') return { ok: false, error: `bad gateway dial string ${JSON.stringify(text)}` };
    return { ok: true, value: { kind: 'gateway', gateway, number } };
  }
  const target = more.join('/');
  const [number = '', host] = target.split('@');
  if (second === '' || number === '') return { ok: false, error: `bad sofia dial string ${JSON.stringify(text)}` };
  return { ok: true, value: { kind: 'profile', profile: second, number, host } };
}

/** `user/<id>[@<domain>]`: a directory user; without a domain, the switch's default one. */
function userEndpoint(text: string, target: string): Parsed<Endpoint> {
  const [number = '', domain, ...extra] = target.split('@');
  if (number === '' || domain === '' || extra.length > 0) return { ok: false, error: `bad user dial string ${JSON.stringify(text)}` };
  return { ok: true, value: { kind: 'user', number, domain } };
}

export interface AppCall {
  readonly app: string;
  readonly arg: string;
}

/** `&app(args)`, `&app`, or an extension (which the simulator parks: it has no dialplan). */
export function parseApplication(text: string): Parsed<AppCall> {
  if (!text.startsWith('&')) return { ok: true, value: { app: 'park', arg: '' } };
  const match = /^&([A-Za-z0-9_]+)(?:\((.*)\))?$/s.exec(text);
  if (!match) return { ok: false, error: `bad application ${JSON.stringify(text)}` };
  return { ok: true, value: { app: match[1] as string, arg: match[2] ?? '' } };
}

export interface SocketTarget {
  host: string;
  port: number;
  async: boolean;
  full: boolean;
}

/** The socket application's data: `host[:port][/path] [async] [full]`. */
export function parseSocketArg(arg: string): Parsed<SocketTarget> {
  const [address = '', ...flags] = arg.trim().split(/\s+/);
  const [hostPort = ''] = address.split('/');
  const colon = hostPort.lastIndexOf(':');
  const host = colon >= 0 ? hostPort.slice(0, colon) : hostPort;
  const port = colon >= 0 ? Number(hostPort.slice(colon + 1)) : 8084;
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) return { ok: false, error: `bad socket address ${JSON.stringify(address)}` };
  const lower = flags.map((f) => f.toLowerCase());
  return { ok: true, value: { host, port, async: lower.includes('async'), full: lower.includes('full') } };
}
