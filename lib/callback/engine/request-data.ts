import { z } from 'zod';
import { isE164, type E164 } from '../../domain/phone-number';
import type { JsonObject } from '../../store/rows';

/**
 * The engine's part of `callback_requests.data`: what a later attempt, or another instance,
 * must know and that has no column. Unknown keys (other modules' context) are kept on write.
 */
const requestDataSchema = z.object({
  /** The request has been bridged at least once (decide's `talked`). */
  talked: z.boolean().default(false),
  /** The caller could not be identified (A6): leg A is the operator's cost. */
  unidentified: z.boolean().default(false),
  /** The order's own retry interval, when it overrides the settings. */
  retryIntervalSeconds: z.number().int().positive().optional(),
  /** The access DID the subscriber called (T1), for the caller-ID policy. */
  accessNumber: z.string().refine(isE164).optional(),
  /** The carrier (by name) the access number pins for leg A (its `trunk` setting, issue #17.5). */
  trunk: z.string().optional(),
});

export type RequestData = Omit<z.output<typeof requestDataSchema>, 'accessNumber'> & { accessNumber?: E164 };

export function requestData(data: JsonObject): RequestData {
  const parsed = requestDataSchema.safeParse(data);
  if (!parsed.success) return { talked: false, unidentified: false };
  const { accessNumber, ...rest } = parsed.data;
  return accessNumber === undefined ? rest : { ...rest, accessNumber: accessNumber as E164 };
}

export function withRequestData(data: JsonObject, patch: Partial<RequestData>): JsonObject {
  return { ...data, ...patch };
}
