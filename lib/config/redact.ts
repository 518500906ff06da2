import { renderCodes } from './features-schema';
import { redact } from './mask';
import { isPlainObject } from './paths';
import type { Settings } from './schema';

/**
 * The effective settings as safe to log at start-up: secrets and URL passwords masked. The DTMF
 * code table is logged as the operator writes it: parsed, each code's `keys` would look like a
 * secret's name to the masking and hide the very codes an operator checks the log for.
 */
export function redactSettings(settings: Settings): Record<string, unknown> {
  const copy = redact({ ...settings, features: { ...settings.features, codes: renderCodes(settings.features.codes) } });
  return isPlainObject(copy) ? copy : {};
}
