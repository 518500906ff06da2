/*
 * Settings errors and start-up logs end up in terminals, CI output and log collectors, so no
 * password, key or token may appear in them: not as a value, not inside a URL, not inside JSON.
 */

export const MASK = '********';

/** Also catches the usual misspellings (`pasword`, `passwd`), whose values are just as secret. */
const SECRET_WORD = 'pa?ss?w(?:or)?d|pwd|secret|token|key|credential';

const SECRET_KEY = new RegExp(SECRET_WORD, 'i');

/** Greedy up to the last `@`, since an unencoded `@` in a password is a common mistake. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/"']*:)[^\s"']+@/gi;

const SECRET_PAIR = new RegExp(`(["']?[A-Za-z0-9_-]*(?:${SECRET_WORD})[A-Za-z0-9_-]*["']?\\s*[:=]\\s*)("(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s,}\\]]+)`, 'gi');

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Masks the password of every `scheme://user:password@…` and every `"password": …` pair in free text. */
export function maskText(text: string): string {
  return text.replace(URL_PASSWORD, `$1${MASK}@`).replace(SECRET_PAIR, `$1"${MASK}"`);
}

/** A deep copy with secret keys replaced and URL passwords masked; for logging the effective settings. */
export function redact(value: unknown, key = ''): unknown {
  if (isSecretKey(key) && value !== undefined && value !== null && value !== '') return MASK;
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, redact(item, name)]));
  }
  return value;
}

/** How a given value appears in a message: JSON, masked, or `(not set)`. */
export function renderValue(value: unknown, secret: boolean): string {
  if (value === undefined) return '(not set)';
  if (secret && value !== null && value !== '') return `"${MASK}"`;
  // Masked before quoting, so that masking never has to understand JSON escapes.
  if (typeof value === 'string') return JSON.stringify(maskText(value));
  return JSON.stringify(redact(value)) ?? String(value);
}
