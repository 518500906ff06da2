import { z } from 'zod';

/**
 * What the schema cannot say about itself in words: the accepted values of settings guarded by a
 * refinement or transform (a URL, an E.164 number), and defaults computed outside the schema.
 * Kept in a private registry so that nothing leaks into other modules' use of zod's global one.
 */
export interface SettingMeta {
  /** Completes "expected …" in error messages and fills the docs' "Allowed" column. */
  allowed?: string;
  /** Replaces the rendered default in the docs when the real default depends on other settings. */
  defaultText?: string;
}

export const settingMeta = z.registry<SettingMeta>();

/** Describes a setting (for docs) and, optionally, what it accepts (for errors and docs). */
export function setting<T extends z.ZodType>(schema: T, description: string, meta: SettingMeta = {}): T {
  const described = schema.describe(description);
  settingMeta.add(described, meta);
  return described;
}

export function expected(allowed: string): string {
  return `expected ${allowed}`;
}
