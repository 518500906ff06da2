import { callLogger, type Logger } from '../log/logger';
import { systemClock, type Clock } from '../time/clock';
import { CallSession } from './call-session';
import { EslConnection, type EslTransport } from './connection';
import { EslProtocolError } from './errors';
import { errorText } from './listeners';
import { subscriptionCommand } from './subscription';
import { ownString } from './wire/own-string';

/** Events `myevents` leaves out but a session needs (§3); BACKGROUND_JOB for bgapi from the socket (13). */
export const OUTBOUND_EVENTS: readonly string[] = ['BACKGROUND_JOB', 'PLAYBACK_START', 'PLAYBACK_STOP', 'RECORD_START', 'RECORD_STOP'];

export interface OutboundSessionOptions {
  logger: Logger;
  clock?: Clock;
  /** Default true: without linger CHANNEL_HANGUP_COMPLETE is lost about 1 time in 10 (07c). */
  linger?: boolean;
  /** Extra events after `myevents` (needs `full` on the socket app); false for none. */
  events?: readonly string[] | false;
  customSubclasses?: readonly string[];
  handshakeTimeoutMs?: number;
  hangupCompleteWaitMs?: number;
  /** How long a peer has to confirm our hangup before its socket is dropped (default 5 s). */
  hangupConfirmWaitMs?: number;
  newUuid?: () => string;
  /** Name for logs; the channel's uuid is added once known. */
  name?: string;
}

/**
 * Takes a socket FreeSWITCH opened to us and makes it a CallSession: `connect` (the reply is the
 * channel's data), `myevents`, `linger`, and the extra events. The session exists before
 * `myevents` is sent, so no event can arrive before it listens.
 */
export async function acceptOutbound(transport: EslTransport, options: OutboundSessionOptions): Promise<CallSession> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.handshakeTimeoutMs ?? 5_000;
  const connection = new EslConnection(transport, { name: options.name ?? 'outbound', logger: options.logger, clock });
  try {
    const reply = await connection.request('channel-data', 'connect', { timeoutMs });
    const uuid = reply.channel.headers.get('Unique-ID');
    if (!uuid) throw new EslProtocolError('connect reply without Unique-ID');
    // For the handshake's own lines; the session makes its own per line (it names the channel too).
    const logger = callLogger(options.logger, { legUuid: ownString(uuid) });
    const lingering = options.linger ?? true;
    const sessionOptions: ConstructorParameters<typeof CallSession>[0] = { connection, channel: reply.channel, logger: options.logger, clock, lingering };
    if (options.hangupCompleteWaitMs !== undefined) sessionOptions.hangupCompleteWaitMs = options.hangupCompleteWaitMs;
    if (options.hangupConfirmWaitMs !== undefined) sessionOptions.hangupConfirmWaitMs = options.hangupConfirmWaitMs;
    if (options.newUuid) sessionOptions.newUuid = options.newUuid;
    const session = new CallSession(sessionOptions);
    await connection.command('myevents', { timeoutMs });
    if (lingering) {
      const linger = await connection.request('command-reply', 'linger', { timeoutMs });
      if (!linger.ok) {
        session.lingering = false;
        logger.warn('linger refused (socket app without "full"?); HANGUP_COMPLETE may be lost', { reply: linger.text });
      }
    }
    const events = options.events === false ? [] : (options.events ?? OUTBOUND_EVENTS);
    const subclasses = options.customSubclasses ?? [];
    if (events.length > 0 || subclasses.length > 0) {
      const subscribed = await connection.request('command-reply', subscriptionCommand(events, subclasses), { timeoutMs, label: 'event' });
      if (!subscribed.ok) logger.warn('event subscription refused (socket app without "full"?)', { reply: subscribed.text });
    }
    return session;
  } catch (error) {
    connection.close(`outbound handshake failed: ${errorText(error)}`);
    throw error;
  }
}
