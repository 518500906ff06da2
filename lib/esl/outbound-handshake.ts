import { callLogger, type Logger } from '../log/logger';
import { systemClock, type Clock } from '../time/clock';
import { CallSession } from './call-session';
import { EslConnection, type EslTransport } from './connection';
import { EslProtocolError } from './errors';
import { errorText } from './listeners';
import { subscriptionCommand } from './subscription';

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
  /** How long FreeSWITCH may send nothing while a handshake command waits (RequestOptions.quietTimeoutMs). */
  handshakeTimeoutMs?: number;
  hangupCompleteWaitMs?: number;
  /** How long a peer has to confirm our hangup before its socket is dropped (default 5 s). */
  hangupConfirmWaitMs?: number;
  newUuid?: () => string;
  /** Name for logs; the channel's uuid is added once known. */
  name?: string;
}

/** A socket past `connect`: its session, and the rest of the handshake under way. */
export interface OutboundHandshake {
  readonly session: CallSession;
  /** `myevents`, `linger` and the extra events answered; rejects (the socket closed) when one fails. */
  readonly subscribed: Promise<void>;
}

/**
 * Takes a socket FreeSWITCH opened to us and makes it a CallSession: `connect` (the reply is the
 * channel's data), then `myevents`, `linger` and the extra events, written together: FreeSWITCH
 * answers them in order and none depends on another's reply, so the handshake costs two round
 * trips instead of four (a busy controller waits a loop turn for each). The session exists before
 * `myevents` is sent, so no event can arrive before it listens; `connect` alone is awaited first
 * because its reply may share a read with the events that follow `myevents`.
 */
export async function startOutbound(transport: EslTransport, options: OutboundSessionOptions): Promise<OutboundHandshake> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.handshakeTimeoutMs ?? 5_000;
  const connection = new EslConnection(transport, { name: options.name ?? 'outbound', logger: options.logger, clock });
  const fail = (error: unknown): never => {
    connection.close(`outbound handshake failed: ${errorText(error)}`);
    throw error;
  };
  let session: CallSession;
  try {
    // Quiet, not total: decided after the loop has read what came, so one long turn of a busy
    // controller does not fail every handshake whose reply is already in its socket buffer.
    const reply = await connection.request('channel-data', 'connect', { quietTimeoutMs: timeoutMs });
    if (!reply.channel.headers.get('Unique-ID')) throw new EslProtocolError('connect reply without Unique-ID');
    const lingering = options.linger ?? true;
    const sessionOptions: ConstructorParameters<typeof CallSession>[0] = { connection, channel: reply.channel, logger: options.logger, clock, lingering };
    if (options.hangupCompleteWaitMs !== undefined) sessionOptions.hangupCompleteWaitMs = options.hangupCompleteWaitMs;
    if (options.hangupConfirmWaitMs !== undefined) sessionOptions.hangupConfirmWaitMs = options.hangupConfirmWaitMs;
    if (options.newUuid) sessionOptions.newUuid = options.newUuid;
    session = new CallSession(sessionOptions);
  } catch (error) {
    return fail(error);
  }
  return { session, subscribed: subscribe(connection, session, options, timeoutMs).catch(fail) };
}

/** The whole handshake: the session once FreeSWITCH has answered every command of it. */
export async function acceptOutbound(transport: EslTransport, options: OutboundSessionOptions): Promise<CallSession> {
  const { session, subscribed } = await startOutbound(transport, options);
  await subscribed;
  return session;
}

/** Writes `myevents`, `linger` and `event …` in one go, then reads their replies. */
async function subscribe(connection: EslConnection, session: CallSession, options: OutboundSessionOptions, timeoutMs: number): Promise<void> {
  // For the handshake's own lines; the session makes its own per line (it names the channel too).
  const logger = callLogger(options.logger, { legUuid: session.uuid });
  const step = { quietTimeoutMs: timeoutMs, pipelined: true };
  const myevents = connection.command('myevents', step);
  const linger = session.lingering ? connection.request('command-reply', 'linger', step) : undefined;
  const events = options.events === false ? [] : (options.events ?? OUTBOUND_EVENTS);
  const subclasses = options.customSubclasses ?? [];
  const subscription =
    events.length > 0 || subclasses.length > 0 ? connection.request('command-reply', subscriptionCommand(events, subclasses), { ...step, label: 'event' }) : undefined;
  // Promise.all listens to every reply, so none rejects unheard when an earlier one failed.
  const [, lingerReply, subscribedReply] = await Promise.all([myevents, linger, subscription]);
  if (lingerReply && !lingerReply.ok) {
    session.lingering = false;
    logger.warn('linger refused (socket app without "full"?); HANGUP_COMPLETE may be lost', { reply: lingerReply.text });
  }
  if (subscribedReply && !subscribedReply.ok) logger.warn('event subscription refused (socket app without "full"?)', { reply: subscribedReply.text });
}
