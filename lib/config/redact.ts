import { redact } from './mask';
import { isPlainObject } from './paths';
import type { Settings } from './schema';

/** The effective settings as safe to log at start-up: secrets and URL passwords masked. */
export function redactSettings(settings: Settings): Record<string, unknown> {
  const copy = redact(settings);
  return isPlainObject(copy) ? copy : {};
}
