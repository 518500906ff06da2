import { parseHangupCause } from '../esl/hangup-causes';
import type { EslFrame } from '../esl/wire';
import type { SessionMessage } from './session';

const TRUE = /^(true|yes|on|1)$/i;
/** `loops: -1` means forever in FreeSWITCH; the simulator stops after this many. */
const FOREVER_LOOPS = 1000;

export type ParsedSendmsg = { kind: 'message'; message: SessionMessage; async: boolean } | { kind: 'ignored'; command: string };

/**
 * The headers of a `sendmsg` (`switch_ivr_parse_event`; names are case-insensitive): execute
 * with its argument in `execute-app-arg` or a text/plain body, or hangup with its cause.
 */
export function parseSendmsg(frame: EslFrame): ParsedSendmsg {
  const headers = frame.headers;
  const command = (headers.get('call-command') ?? '').trim().toLowerCase();
  const async = TRUE.test(headers.get('async') ?? '');
  if (command === 'hangup') {
    const cause = parseHangupCause(headers.get('hangup-cause') ?? 'NORMAL_CLEARING') ?? 'NORMAL_CLEARING';
    return { kind: 'message', message: { kind: 'hangup', cause }, async };
  }
  if (command === 'execute') {
    const app = (headers.get('execute-app-name') ?? '').trim();
    const body = frame.body?.toString('utf8');
    const arg = headers.get('execute-app-arg') ?? (body !== undefined && /text\/plain/i.test(headers.get('content-type') ?? '') ? body : '');
    const loops = Number(headers.get('loops') ?? '1');
    const message: SessionMessage = {
      kind: 'execute',
      app,
      arg,
      appUuid: headers.get('Event-UUID'),
      lock: TRUE.test(headers.get('event-lock') ?? ''),
      loops: loops === -1 ? FOREVER_LOOPS : Number.isInteger(loops) && loops > 0 ? loops : 1,
    };
    return { kind: 'message', message, async };
  }
  return { kind: 'ignored', command };
}
