import { EslProtocolError } from './errors';
import { parseEventJson, parseEventPlain, decodeHeaderLines, type EslEvent } from './event';
import type { EslFrame } from './frame-parser';
import type { EslHeaders } from './headers';

/** What a frame from FreeSWITCH means, decided once here so no caller re-inspects Content-Types. */
export type EslMessage =
  | { kind: 'auth-request' }
  | { kind: 'command-reply'; ok: boolean; text: string; headers: EslHeaders }
  /** The reply to `connect` on an outbound socket: the channel's data, sent as a command/reply. */
  | { kind: 'channel-data'; channel: EslEvent }
  | { kind: 'api-response'; body: string }
  | { kind: 'event'; event: EslEvent }
  | { kind: 'disconnect-notice'; disposition: 'disconnect' | 'linger'; lingerSeconds?: number; text: string; headers: EslHeaders }
  | { kind: 'rude-rejection'; text: string }
  | { kind: 'log'; text: string; headers: EslHeaders };

export function interpretFrame(frame: EslFrame): EslMessage {
  const contentType = frame.headers.get('Content-Type');
  const body = frame.body ?? Buffer.alloc(0);
  switch (contentType) {
    case 'auth/request':
      return { kind: 'auth-request' };
    case 'command/reply': {
      if (frame.headers.has('Event-Name')) {
        const headers = decodeHeaderLines(frame.headers);
        return { kind: 'channel-data', channel: { name: 'CHANNEL_DATA', headers } };
      }
      const text = frame.headers.get('Reply-Text') ?? '';
      return { kind: 'command-reply', ok: text.startsWith('+OK'), text, headers: frame.headers };
    }
    case 'api/response':
      return { kind: 'api-response', body: body.toString('utf8') };
    case 'text/event-plain':
      return { kind: 'event', event: parseEventPlain(body) };
    case 'text/event-json':
      return { kind: 'event', event: parseEventJson(body) };
    case 'text/disconnect-notice': {
      const disposition = frame.headers.get('Content-Disposition') === 'linger' ? 'linger' : 'disconnect';
      const linger = frame.headers.get('Linger-Time');
      const message: EslMessage = { kind: 'disconnect-notice', disposition, text: body.toString('utf8'), headers: frame.headers };
      if (linger !== undefined && /^-?\d+$/.test(linger)) message.lingerSeconds = Number(linger);
      return message;
    }
    case 'text/rude-rejection':
      return { kind: 'rude-rejection', text: body.toString('utf8') };
    case 'log/data':
      return { kind: 'log', text: body.toString('utf8'), headers: frame.headers };
    default:
      throw new EslProtocolError(`unknown Content-Type ${JSON.stringify(contentType ?? '(none)')}`);
  }
}
