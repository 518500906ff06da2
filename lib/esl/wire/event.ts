import { EslProtocolError } from './errors';
import { EslHeaders } from './headers';
import { eslUrlDecode, eslUrlEncode } from './url-codec';

/** A FreeSWITCH event with decoded header values and its optional body (BACKGROUND_JOB results). */
export interface EslEvent {
  readonly name: string;
  readonly headers: EslHeaders;
  readonly body?: string;
}

export function eventName(headers: EslHeaders): string {
  return headers.get('Event-Name') ?? '';
}

function makeEvent(headers: EslHeaders, body: string | undefined): EslEvent {
  return body === undefined ? { name: eventName(headers), headers } : { name: eventName(headers), headers, body };
}

/** Decodes the URL-encoded header lines of a `text/event-plain` body (or a connect reply). */
export function decodeHeaderLines(headers: EslHeaders): EslHeaders {
  const decoded = new EslHeaders();
  headers.forEach((name, value) => decoded.add(name, eslUrlDecode(value)));
  return decoded;
}

export function parseEventPlain(body: Buffer): EslEvent {
  const text = body.toString('utf8');
  const split = text.indexOf('\n\n');
  let headerText = split < 0 ? text : text.slice(0, split);
  let innerLength: number | undefined;
  // Every line is checked to have a name, as before, but none is cut out and decoded here: the
  // headers are read lazily (EslHeaders.fromEncodedLines; issue #20: a channel event has ~150
  // lines, and their strings were about a fifth of the bytes a callback allocated).
  for (let start = 0; start < headerText.length; ) {
    const newline = headerText.indexOf('\n', start);
    const end = newline < 0 ? headerText.length : newline;
    if (end > start) {
      const colon = headerText.indexOf(': ', start);
      if (colon <= start || colon >= end) throw new EslProtocolError(`event header line without a name: ${JSON.stringify(headerText.slice(start, Math.min(end, start + 80)))}`);
      // The last header of an event with a body is its length; it is not an event header.
      if (split >= 0 && colon - start === CONTENT_LENGTH.length && headerText.startsWith(CONTENT_LENGTH, start)) {
        innerLength = Number(eslUrlDecode(headerText.slice(colon + 2, end)));
        headerText = headerText.slice(0, start) + headerText.slice(end + 1);
        continue;
      }
    }
    start = end + 1;
  }
  const headers = EslHeaders.fromEncodedLines(headerText);
  if (innerLength === undefined) return makeEvent(headers, undefined);
  if (!Number.isSafeInteger(innerLength) || innerLength < 0) throw new EslProtocolError('bad inner Content-Length in event');
  const bodyBytes = body.subarray(Buffer.byteLength(text.slice(0, split), 'utf8') + 2);
  if (bodyBytes.length < innerLength) throw new EslProtocolError('event body shorter than its inner Content-Length');
  return makeEvent(headers, bodyBytes.subarray(0, innerLength).toString('utf8'));
}

const CONTENT_LENGTH = 'Content-Length';

export function parseEventJson(body: Buffer): EslEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new EslProtocolError(`event-json body is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EslProtocolError('event-json body is not an object');
  const headers = new EslHeaders();
  let eventBody: string | undefined;
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '_body') {
      eventBody = String(value);
      continue;
    }
    if (name === 'Content-Length') continue;
    headers.add(name, Array.isArray(value) ? value.map(String).join('|') : String(value));
  }
  return makeEvent(headers, eventBody);
}

/** `name: value` lines, values URL-encoded, empty values left out (as FreeSWITCH serializes them). */
export function encodedHeaderLines(headers: EslHeaders): string {
  let text = '';
  headers.forEach((name, value) => {
    if (value !== '') text += `${name}: ${eslUrlEncode(value)}\n`;
  });
  return text;
}

/** `switch_event_serialize`: URL-encoded header lines, then the body's length and the body, or a blank line. */
export function eventPlainText(event: EslEvent): string {
  const text = encodedHeaderLines(event.headers);
  if (event.body === undefined) return `${text}\n`;
  return `${text}Content-Length: ${Buffer.byteLength(event.body, 'utf8')}\n\n${event.body}`;
}

/**
 * `switch_event_serialize_json`: a flat object of strings, no URL-encoding, no trailing newline.
 * Written by hand because cJSON keeps a repeated header as a repeated key (CHANNEL_HANGUP_COMPLETE's
 * Hangup-Cause, capture 03), which an object literal cannot hold.
 */
export function eventJsonText(event: EslEvent): string {
  const members: string[] = [];
  event.headers.forEach((name, value) => {
    if (value !== '') members.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
  });
  if (event.body !== undefined) {
    members.push(`"Content-Length":${JSON.stringify(String(Buffer.byteLength(event.body, 'utf8')))}`, `"_body":${JSON.stringify(event.body)}`);
  }
  return `{${members.join(',')}}`;
}
