import { z } from 'zod';
import { isExtension, isExtensionDomain, type ExtensionEndpoint } from '../../domain/call-endpoint';
import { isE164, type E164 } from '../../domain/phone-number';
import { ROUTE_POLICIES } from '../../routing/route-types';
import { isPlainRecord } from '../../store/plain-input';
import type { JsonObject } from '../../store/rows';

/** An extension endpoint (lib/domain/call-endpoint.ts) as an order carries it and the request data keeps it. */
export const extensionEndpointSchema = z.strictObject({
  kind: z.literal('extension'),
  extension: z.string().refine(isExtension, 'must be 1-16 digits'),
  domain: z.string().refine(isExtensionDomain, 'must be a host name or IPv4 address').nullable(),
});

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
  /** The order's own routing policy (#17), when it overrides the settings: every attempt, and a recovery's, routes by it. */
  routingPolicy: z.enum(ROUTE_POLICIES).optional(),
  /** The access DID the subscriber called (T1), for the caller-ID policy. */
  accessNumber: z.string().refine(isE164).optional(),
  /** The carrier (by name) the access number pins for leg A (its `trunk` setting, issue #17.5). */
  trunk: z.string().optional(),
  /** Leg A's user on the node, for an access number's call_extension method: dialed in place of the source. */
  extension: extensionEndpointSchema.optional(),
});

export type RequestData = Omit<z.output<typeof requestDataSchema>, 'accessNumber' | 'extension'> & { accessNumber?: E164; extension?: ExtensionEndpoint };

/**
 * Read once per data object: the runner and the funds ask at nearly every step of a call, and a
 * request's data is replaced (withRequestData), never changed in place. The answer is frozen
 * because every caller shares it.
 */
const readData = new WeakMap<JsonObject, RequestData>();

export function requestData(data: JsonObject): RequestData {
  let read = readData.get(data);
  if (read === undefined) {
    read = Object.freeze(parseRequestData(data));
    readData.set(data, read);
  }
  return read;
}

function parseRequestData(data: JsonObject): RequestData {
  const plain = plainRequestData(data);
  if (plain !== undefined) return plain;
  const parsed = requestDataSchema.safeParse(data);
  if (!parsed.success) return { talked: false, unidentified: false };
  const { accessNumber, extension, ...rest } = parsed.data;
  return {
    ...rest,
    ...(accessNumber === undefined ? {} : { accessNumber: accessNumber as E164 }),
    ...(extension === undefined ? {} : { extension: extension as ExtensionEndpoint }),
  };
}

const PLAIN_KEYS: ReadonlySet<string> = new Set(['talked', 'unidentified']);

/**
 * The data nearly every request has (whether it talked, whether its caller was unidentified) read
 * as the schema reads it, without zod: its parse, once per data object and about two per
 * callback, was about 0.5–0.9 % of the controller's busy time in a callback's profile (issue #20,
 * zod being far slower in a whole callback than in a loop). Any other key or value goes to the
 * schema (as `plain-input.ts` does for the store's writes).
 */
function plainRequestData(data: JsonObject): RequestData | undefined {
  if (!isPlainRecord(data, PLAIN_KEYS)) return undefined;
  const { talked = false, unidentified = false } = data;
  return typeof talked === 'boolean' && typeof unidentified === 'boolean' ? { talked, unidentified } : undefined;
}

export function withRequestData(data: JsonObject, patch: Partial<RequestData>): JsonObject {
  return { ...data, ...patch };
}
