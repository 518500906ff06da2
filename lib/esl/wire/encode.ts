import { EslCommandInjectionError } from './errors';
import { encodedHeaderLines, eventJsonText, eventPlainText, type EslEvent } from './event';
import type { EslHeaders } from './headers';

/** Line breaks would append commands; a NUL would cut the command short in FreeSWITCH's C strings. */
const LINE_BREAK = /[\r\n\0]/;

/**
 * A command from us to FreeSWITCH. A line break inside the command or a header value would let
 * data (a phone number, a caller name) append commands of its own, and a NUL would silently
 * truncate it, so both are refused outright.
 */
export function encodeCommand(command: string, headers: Record<string, string> = {}, body?: string): Buffer {
  if (LINE_BREAK.test(command)) throw new EslCommandInjectionError('command line');
  let text = `${command}\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (LINE_BREAK.test(name) || LINE_BREAK.test(value)) throw new EslCommandInjectionError(`header ${JSON.stringify(name)}`);
    text += `${name}: ${value}\n`;
  }
  if (body === undefined) return Buffer.from(`${text}\n`, 'utf8');
  const bytes = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`${text}Content-Length: ${bytes.length}\n\n`, 'utf8'), bytes]);
}

// What FreeSWITCH sends; used by the simulator so that it and FreeSWITCH share one definition.

export function encodeAuthRequest(): Buffer {
  return Buffer.from('Content-Type: auth/request\n\n');
}

export function encodeCommandReply(replyText: string, extra: Record<string, string> = {}): Buffer {
  let text = `Content-Type: command/reply\nReply-Text: ${replyText}\n`;
  for (const [name, value] of Object.entries(extra)) text += `${name}: ${value}\n`;
  return Buffer.from(`${text}\n`);
}

export function encodeApiResponse(body: string): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Type: api/response\nContent-Length: ${bytes.length}\n\n`), bytes]);
}

export type EventFormat = 'plain' | 'json';

/**
 * Events put Content-Length before Content-Type (unlike api/response): the captures show it.
 * The simulator sends tens of thousands of these a second, so the body is measured once and copied
 * once into the frame; a body of one byte per character (event-plain's URL-encoded lines always,
 * JSON without non-ASCII text) is ASCII and goes in as Latin-1, a plain copy, where UTF-8 encoding
 * a fresh string of ~300 pieces cost as much again as building it.
 */
export function encodeEventFrame(event: EslEvent, format: EventFormat): Buffer {
  const body = format === 'json' ? eventJsonText(event) : eventPlainText(event);
  const length = Buffer.byteLength(body, 'utf8');
  const head = `Content-Length: ${length}\nContent-Type: text/event-${format}\n\n`;
  const frame = Buffer.allocUnsafe(head.length + length);
  frame.write(head, 0, 'latin1');
  frame.write(body, head.length, length === body.length ? 'latin1' : 'utf8');
  return frame;
}

export const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

export function encodeDisconnectNotice(session?: { uuid: string }): Buffer {
  const head = session ? `Controlled-Session-UUID: ${session.uuid}\nContent-Disposition: disconnect\n` : '';
  return Buffer.from(`Content-Type: text/disconnect-notice\n${head}Content-Length: ${Buffer.byteLength(GOODBYE)}\n\n${GOODBYE}`);
}

export function encodeLingerNotice(uuid: string, channelName: string, lingerSeconds: number): Buffer {
  return Buffer.from(
    `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${uuid}\nContent-Disposition: linger\n` +
      `Channel-Name: ${channelName}\nLinger-Time: ${lingerSeconds}\nContent-Length: 0\n\n`,
  );
}

export const RUDE_REJECTION = 'Access Denied, go away.\n';

export function encodeRudeRejection(): Buffer {
  return Buffer.from(`Content-Type: text/rude-rejection\nContent-Length: ${RUDE_REJECTION.length}\n\n${RUDE_REJECTION}`);
}

/**
 * The reply to `connect` on an outbound socket: the channel's data as URL-encoded header lines,
 * then the reply headers, with no Content-Length (captures 04, 05).
 */
export function encodeConnectReply(channel: EslHeaders, mode: 'async' | 'static', full: boolean): Buffer {
  let text = encodedHeaderLines(channel);
  text += `Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: ${mode}\nControl: ${full ? 'full' : 'single-channel'}\n\n`;
  return Buffer.from(text, 'utf8');
}
