import type { SettingsIssue } from './errors';
import { formatPath } from './paths';

/** Where one value of the merged settings came from; error messages point back at it. */
export type Source = { readonly kind: 'env'; readonly name: string } | { readonly kind: 'file'; readonly file: string };

/** One value from one source, at one position of the settings tree. */
export interface Assignment {
  readonly path: readonly string[];
  /** What the schema will see (coerced from text for environment variables). */
  readonly value: unknown;
  /** What the operator wrote, shown in messages. */
  readonly raw: unknown;
  readonly source: Source;
}

/** `CALLBACK_HTTP_PORT`, or `in CALLBACK_FREESWITCH_NODES` for a part of it, or the config-file key. */
export function describeSource(source: Source, path: readonly (string | number)[], exact: boolean): string {
  if (source.kind === 'file') return `key ${formatPath(path)} in config file ${source.file}`;
  return exact ? source.name : `in ${source.name}`;
}

/** What one source contributes: its values, and the problems found before the schema runs. */
export interface Layer {
  readonly assignments: readonly Assignment[];
  readonly issues: readonly SettingsIssue[];
}
