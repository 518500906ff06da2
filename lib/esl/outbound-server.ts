import { createServer, type Server, type Socket } from 'node:net';
import { callLogger, type Logger } from '../log/logger';
import { plainAddress } from '../net/address-list';
import type { CallSession } from './call-session';
import { CallEnded } from './errors';
import type { HangupCause } from './hangup-causes';
import { errorText } from './listeners';
import { startOutbound, type OutboundHandshake, type OutboundSessionOptions } from './outbound-handshake';
import type { Admission } from './socket-admission';

export type SessionHandler = (session: CallSession) => Promise<void>;

/**
 * Who may drive calls through this server. Without one every peer and session is taken, which
 * only tests that play FreeSWITCH themselves should rely on.
 */
export interface PeerPolicy {
  /** Whether this TCP peer may talk to us at all (socketServer.allowFrom). */
  allows(peer: string): boolean | Promise<boolean>;
  /** After the handshake: whether the session controls the channel it names, and on which node. */
  admit(session: CallSession, peer: string): Promise<Admission>;
}

export interface OutboundServerOptions extends Omit<OutboundSessionOptions, 'name'> {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  handler: SessionHandler;
  peers?: PeerPolicy;
  /** The cause a call is hung up with when its handler throws. */
  errorHangupCause?: HangupCause;
  /**
   * Told as soon as a socket's `connect` reply names its channel, before the rest of the handshake
   * and admission: whoever waits for that channel's socket knows it has come and that it will be
   * handed over or given up on its own deadlines. The function returned is called once the
   * handler has been called with the session, or when the socket failed before that.
   */
  onArrival?: (uuid: string) => () => void;
}

/**
 * Node takes in one connection per loop turn, so a burst of FreeSWITCH's outbound sockets waits in
 * the kernel's queue; past it the kernel drops them and they come back seconds later, after the
 * leg's socket wait (lib/esl/README.md, Caveats). Node's default is 511; the kernel caps this at
 * net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/**
 * Accepts FreeSWITCH's outbound-socket connections (`socket host:port async full`) and runs the
 * handler for each call. The handler owns the call: when it returns, a call still up is hung up
 * (unless the socket application already ended, 12c); when it throws, the error is logged and the
 * call hung up. Nothing a handler does can take the server down.
 */
export class OutboundServer {
  private readonly server: Server;
  private readonly live = new Set<CallSession>();
  private readonly runs = new Set<Promise<void>>();
  private readonly logger: Logger;
  private closing = false;
  private connections = 0;
  /** Connections taken from the kernel's queue so far. */
  private accepted = 0;
  private drain: Promise<void> | undefined;
  /** Accepted sockets whose `connect` is not answered yet: their channel is still unknown. */
  private readonly connecting = new Set<Promise<unknown>>();

  private constructor(private readonly options: OutboundServerOptions) {
    this.logger = options.logger;
    this.server = createServer((socket) => this.onConnection(socket));
  }

  static async listen(options: OutboundServerOptions): Promise<OutboundServer> {
    const server = new OutboundServer(options);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.server.listen({ port: options.port, host: options.host ?? '127.0.0.1', backlog: LISTEN_BACKLOG }, () => {
        server.server.removeListener('error', reject);
        // Only once listening: a failed listen is the caller's to report, not a second log line.
        server.server.on('error', (error) => server.logger.error('outbound socket server error', { error: errorText(error) }));
        resolve();
      });
    });
    return server;
  }

  get address(): { host: string; port: number } {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('outbound server is not listening on TCP');
    return { host: address.address, port: address.port };
  }

  get sessions(): ReadonlySet<CallSession> {
    return this.live;
  }

  /**
   * Resolves once every connection the kernel had queued for us has been taken in and has named
   * its channel (`onArrival`) or failed. libuv accepts one connection per event-loop turn while
   * the listening socket is readable, so the first turn without one means the queue was empty;
   * then the `connect` of every socket accepted by then is awaited. A socket still queued is our
   * delay, not FreeSWITCH's: whoever gives up waiting for a socket asks this first.
   */
  drained(): Promise<void> {
    this.drain ??= new Promise<void>((resolve) => {
      // From one turn's end to the next: a whole poll phase lies between, whenever this was called.
      const watchTurn = (): void => {
        const seen = this.accepted;
        setImmediate(() => {
          if (this.accepted !== seen) return watchTurn();
          this.drain = undefined;
          resolve(Promise.allSettled([...this.connecting]).then(() => undefined));
        });
      };
      setImmediate(watchTurn);
    });
    return this.drain;
  }

  /** Stops accepting calls and disconnects every session (`exit`; FreeSWITCH decides the channel's fate, §9). */
  async close(): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.live].map((session) => session.disconnect().catch(() => undefined)));
    await Promise.allSettled([...this.runs]);
    await stopped;
  }

  private onConnection(socket: Socket): void {
    this.accepted += 1;
    if (this.closing) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const run = this.serve(socket).catch((error: unknown) => {
      this.logger.error('outbound session failed', { error: errorText(error) });
    });
    this.runs.add(run);
    void run.finally(() => this.runs.delete(run));
  }

  private async serve(socket: Socket): Promise<void> {
    const name = `outbound#${++this.connections}`;
    const peer = plainAddress(socket.remoteAddress ?? '');
    // Let go as soon as the handler has the session: held for the call, it would keep the waiter's state.
    let arrival: (() => void) | undefined;
    const arrived = (): void => {
      arrival?.();
      arrival = undefined;
    };
    const connecting = this.connect(socket, { name, peer }, (uuid) => (arrival = this.options.onArrival?.(uuid)));
    this.connecting.add(connecting);
    const handshake = await connecting.finally(() => this.connecting.delete(connecting));
    if (!handshake) return;
    try {
      await this.run(handshake.session, { name, peer }, handshake.subscribed, arrived);
    } finally {
      arrived();
    }
  }

  /** An allowed peer's socket through `connect`, its channel announced; undefined (and logged) when refused or failed. */
  private async connect(socket: Socket, { name, peer }: { name: string; peer: string }, announce: (uuid: string) => void): Promise<OutboundHandshake | undefined> {
    const policy = this.options.peers;
    if (policy && !(await Promise.resolve(policy.allows(peer)).catch(() => false))) {
      this.logger.warn('outbound socket peer refused: not an allowed FreeSWITCH address (socketServer.allowFrom)', { conn: name, peer });
      socket.destroy();
      return undefined;
    }
    try {
      const handshake = await startOutbound(socket, { ...this.options, name });
      announce(handshake.session.uuid);
      return handshake;
    } catch (error) {
      this.logger.warn('outbound handshake failed', { conn: name, error: errorText(error) });
      return undefined;
    }
  }

  /**
   * Admits the session (its proof runs alongside the rest of the handshake: `uuid_setvar` needs
   * only the uuid, and the socket's `getvar` queues behind the handshake's commands), then runs
   * the handler, calling `arrived` right after the handler was called.
   */
  private async run(session: CallSession, { name, peer }: { name: string; peer: string }, subscribed: Promise<void>, arrived: () => void): Promise<void> {
    const policy = this.options.peers;
    // Made for each line rather than held: this frame lasts as long as the call (see LiveLeg.log).
    const log = (): Logger => callLogger(this.logger, { legUuid: session.uuid });
    const admitted: Promise<Admission | undefined> = policy
      ? policy.admit(session, peer).catch((error: unknown) => ({ admitted: false as const, reason: errorText(error) }))
      : Promise.resolve(undefined);
    try {
      await subscribed;
    } catch (error) {
      this.logger.warn('outbound handshake failed', { conn: name, legUuid: session.uuid, error: errorText(error) });
      await admitted;
      return;
    }
    if (this.closing) {
      // close() started while this call was still shaking hands: it is not ours to run any more.
      await session.disconnect();
      await admitted;
      return;
    }
    this.live.add(session);
    try {
      const admission = await admitted;
      if (admission && !admission.admitted) {
        // Not a channel we can vouch for: nothing is hung up or run on its say-so, the socket is just closed.
        log().warn('outbound socket session refused', { peer, reason: admission.reason });
        await session.drop(`refused: ${admission.reason}`);
        return;
      }
      if (admission?.unproven) log().warn('outbound socket session admitted on its peer address alone: its node cannot be asked', { peer, node: admission.node });
      else if (admission) log().debug('outbound socket session admitted', { peer, node: admission.node });
      try {
        await Promise.resolve().then(() => {
          try {
            return this.options.handler(session);
          } finally {
            arrived();
          }
        });
      } catch (error) {
        if (error instanceof CallEnded) log().info('call ended during its handler', { reason: error.reason, hangupCause: error.hangupCause, step: error.step });
        else {
          log().error('call handler failed; hanging up', { error: errorText(error), stack: error instanceof Error ? error.stack : undefined });
          await this.hangupQuietly(session, this.options.errorHangupCause ?? 'NORMAL_TEMPORARY_FAILURE', log());
        }
      }
      if (!session.isEnded && !session.controlReleased) await this.hangupQuietly(session, 'NORMAL_CLEARING', log());
      if (session.controlReleased && !session.isEnded) await session.disconnect();
      const summary = await session.finished;
      log().info('call session finished', { reason: summary.reason, hangupCause: summary.hangupCause, hangupComplete: summary.hangupComplete !== undefined });
    } finally {
      this.live.delete(session);
    }
  }

  /** Hangs up; a peer that never confirms is dropped by the session's own deadline. */
  private async hangupQuietly(session: CallSession, cause: HangupCause, logger: Logger): Promise<void> {
    try {
      await session.hangup(cause);
    } catch (error) {
      logger.warn('hangup failed', { error: errorText(error) });
    }
  }
}
