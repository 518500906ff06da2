import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import type { CallbackSettings } from '../config/schema';
import { rejectCauseSchema } from '../config/reject-causes';
import type { HangupCause } from '../esl/hangup-causes';
import type { Logger } from '../log/logger';
import type { CallbackMethod } from '../store/access-numbers';
import { CARRIER_NAME_PATTERN } from '../store/carriers';
import type { JsonObject } from '../store/rows';

/**
 * A5 rate limits: system-wide in `CallbackSettings` (lib/config/callback-schema.ts); access
 * numbers and accounts override them in their settings JSON under the same names.
 */
export type AccessLimits = Pick<CallbackSettings, 'perCallerMax' | 'perCallerWindowMinutes' | 'perAccountMax' | 'perAccountWindowMinutes'>;

/** What one access call runs with: system settings, then the account's, then the DID's. */
export interface AccessSettings extends AccessLimits {
  activeForUsers: boolean;
  rejectHangupCause: HangupCause;
  delaySeconds: number;
  method: CallbackMethod;
  defaultCountry: CountryCode;
  maxConcurrentPerAccount: number;
  /** A fixed leg B for this DID (a hotline); null asks on leg A. */
  destination: string | null;
  /** Numbers (E.164) or E.164 prefixes ending in `*` that never get a callback. */
  blockedCallers: string[];
  /** The carrier (by name) that carries the callback leg A (issue #17.5); null: routed like any leg. */
  trunk: string | null;
}

const overrideSchemas = {
  activeForUsers: z.boolean(),
  rejectHangupCause: rejectCauseSchema(),
  delaySeconds: z.number().int().min(0).max(120),
  method: z.enum(['call_to_caller', 'call_to_number', 'call_extension']),
  maxConcurrentPerAccount: z.number().int().min(1).max(100),
  perCallerMax: z.number().int().min(1).max(1000),
  perCallerWindowMinutes: z.number().int().min(1).max(1440),
  perAccountMax: z.number().int().min(1).max(10000),
  perAccountWindowMinutes: z.number().int().min(1).max(1440),
  destination: z.string().regex(/^\+?[0-9]{3,20}$/).nullable(),
  blockedCallers: z.array(z.string().regex(/^\+[0-9]{1,15}\*?$/)),
  trunk: z.string().regex(CARRIER_NAME_PATTERN).nullable(),
} as const;

type Overridable = { [K in keyof typeof overrideSchemas]: z.output<(typeof overrideSchemas)[K]> };

/**
 * Applies each layer's known keys in turn. A bad value is logged and skipped rather than
 * refusing the call: an operator's typo in one DID must not stop every callback on it.
 */
export function accessSettings(system: CallbackSettings, layers: readonly JsonObject[], logger: Logger): AccessSettings {
  const result: AccessSettings = {
    perCallerMax: system.perCallerMax,
    perCallerWindowMinutes: system.perCallerWindowMinutes,
    perAccountMax: system.perAccountMax,
    perAccountWindowMinutes: system.perAccountWindowMinutes,
    activeForUsers: system.activeForUsers,
    rejectHangupCause: system.rejectHangupCause,
    delaySeconds: system.delaySeconds,
    method: system.method,
    defaultCountry: system.defaultCountry as CountryCode,
    maxConcurrentPerAccount: system.maxConcurrentPerAccount,
    destination: null,
    blockedCallers: [],
    trunk: null,
  };
  for (const layer of layers) {
    for (const key of Object.keys(overrideSchemas) as (keyof Overridable)[]) {
      if (!(key in layer)) continue;
      const parsed = overrideSchemas[key].safeParse(layer[key]);
      if (parsed.success) Object.assign(result, { [key]: parsed.data });
      else logger.warn('ignoring a bad access setting override', { key, value: layer[key] });
    }
  }
  return result;
}

export function isBlocked(caller: string, blocked: readonly string[]): boolean {
  return blocked.some((entry) => (entry.endsWith('*') ? caller.startsWith(entry.slice(0, -1)) : caller === entry));
}
