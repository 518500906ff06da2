/*
 * Strings parsed from an event are slices of the event's whole text, and V8 keeps that text alive
 * as long as any slice lives. What is kept for a call's life is copied out of it (ownString), and
 * header names, the same few hundred in every event, are shared (sharedName).
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
