import { errorMessage } from './error-text';
import type { SettingEntry } from './walk';

/*
 * Environment variables are text; the schema wants numbers, booleans and lists. Text that does
 * not convert cleanly is handed to the schema unchanged, so its error says what was expected.
 */

export type Coerced = { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'unset' } | { readonly kind: 'invalid'; readonly problem: string };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Only these four: "yes"/"on" are refused rather than guessed at. */
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['1', true],
  ['false', false],
  ['0', false],
]);

export function coerceText(entry: Pick<SettingEntry, 'kind' | 'nullable' | 'allowed'>, text: string): Coerced {
  // Compose files and shells often define a variable as empty to mean "leave it alone".
  if (text === '') return entry.nullable ? { kind: 'value', value: null } : { kind: 'unset' };
  switch (entry.kind) {
    case 'number':
      return { kind: 'value', value: NUMBER.test(text.trim()) ? Number(text.trim()) : text };
    case 'boolean': {
      const value = BOOLEANS.get(text.trim());
      return { kind: 'value', value: value ?? text };
    }
    case 'json':
      return parseJson(text, entry.allowed);
    case 'string':
      return { kind: 'value', value: text };
  }
}

function parseJson(text: string, allowed: string): Coerced {
  try {
    return { kind: 'value', value: JSON.parse(text) as unknown };
  } catch (error) {
    return { kind: 'invalid', problem: `not valid JSON (${errorMessage(error)}); expected ${allowed}` };
  }
}
