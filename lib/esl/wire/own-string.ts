/*
 * Strings parsed from an event are slices of the event's whole text, and V8 keeps that text alive
 * as long as any slice lives. What is kept for a call's life is copied out of it (ownString), and
 * header names, the same few hundred in every event, are shared (sharedName), and so is a value
 * equal to the one the same header had in the copy kept before (sharedValue): most of a connect
 * reply's ~150 values (host, codecs, profile, direction, dialplan variables) are the same in
 * every call, and each kept as a string of its own cost ~30 bytes per header per held call.
 */

/** V8 copies (rather than slices) strings shorter than this. */
const SLICE_MIN_LENGTH = 13;

/** The same text in a string of its own, not a slice of a larger one. */
export function ownString(value: string): string {
  return value.length < SLICE_MIN_LENGTH ? value : (JSON.parse(JSON.stringify(value)) as string);
}

/** Enough for FreeSWITCH's own header names and the common variables; bounded, since variable names are the dialplan's. */
const SHARED_NAMES_LIMIT = 4096;
const sharedNames = new Map<string, string>();

/** One string per header name across every kept header list (an own copy past the table's bound). */
export function sharedName(name: string): string {
  const known = sharedNames.get(name);
  if (known !== undefined) return known;
  const own = ownString(name);
  if (sharedNames.size < SHARED_NAMES_LIMIT) sharedNames.set(own, own);
  return own;
}

/** Per shared header name, the value last kept for it: bounded like the names. */
const lastValues = new Map<string, string>();

/**
 * `value` of header `name` (a shared name) to keep for a long time: the very string kept for the
 * same header before when the text is equal, otherwise an own copy that becomes the one shared.
 * Values that differ per call (uuids, times) only replace each other: nothing accumulates.
 */
export function sharedValue(name: string, value: string): string {
  const last = lastValues.get(name);
  if (last === value) return last;
  const own = ownString(value);
  if (last !== undefined || lastValues.size < SHARED_NAMES_LIMIT) lastValues.set(name, own);
  return own;
}
