import { createServer, type Server, type Socket } from 'node:net';
import { encodeAuthRequest, encodeDisconnectNotice } from '../esl/wire';
import type { TimerHandle } from '../time/clock';
import type { SwitchCore } from './core';
import { SHARED_COMMANDS } from './esl-commands';
import { EslConnection, type ParsedCommand } from './esl-connection';

/** FreeSWITCH drops a client that has not authenticated within 25 s. */
const AUTH_TIMEOUT_MS = 25_000;

/** One client of the inbound listener (port 8021): auth/request, then commands (ESL-NOTES §2). */
class InboundConnection extends EslConnection {
  readonly kind = 'inbound';
  private authenticated = false;
  private readonly authTimer: TimerHandle;

  constructor(
    core: SwitchCore,
    socket: Socket,
    private readonly password: string,
  ) {
    super(core, socket);
    this.write(encodeAuthRequest());
    this.authTimer = core.after(AUTH_TIMEOUT_MS, () => {
      if (!this.authenticated) this.destroy();
    });
  }

  get sessionUuid(): undefined {
    return undefined;
  }

  disconnectNotice(): Buffer {
    return encodeDisconnectNotice();
  }

  protected override onClosed(): void {
    this.authTimer.cancel();
  }

  protected async handle(command: ParsedCommand): Promise<void> {
    if (!this.authenticated) {
      this.beforeAuth(command);
      return;
    }
    switch (command.name) {
      case 'myevents':
        this.myevents(command.rest);
        return;
      case 'divert_events':
        this.reply('-ERR not controlling a session.');
        return;
      default: {
        const handler = SHARED_COMMANDS[command.name];
        if (handler) await handler(this, command);
        else this.reply('-ERR command not found');
      }
    }
  }

  private beforeAuth(command: ParsedCommand): void {
    if (command.name === 'auth') {
      if (command.rest === this.password) {
        this.authenticated = true;
        this.authTimer.cancel();
        this.reply('+OK accepted');
      } else {
        this.reply('-ERR invalid');
        this.close(encodeDisconnectNotice());
      }
    } else if (command.name === 'exit') {
      SHARED_COMMANDS.exit?.(this, command);
    } else {
      this.reply('-ERR command not found');
    }
  }

  /** `myevents <uuid> [format]`: only that channel's events from the myevents set. */
  private myevents(rest: string): void {
    const words = rest.split(/\s+/).filter((w) => w !== '');
    const format = words.find((w) => /^(plain|json|xml)$/i.test(w))?.toLowerCase();
    const uuid = words.find((w) => !/^(plain|json|xml)$/i.test(w));
    if (this.subscription.myEvents !== undefined) {
      this.reply('-ERR aready enabled.');
      return;
    }
    if (uuid === undefined || (format !== undefined && !this.core.session(uuid))) {
      this.reply('-ERR invalid uuid');
      return;
    }
    if (format === 'plain' || format === 'json') this.subscription.format = format;
    this.enableMyEvents(uuid);
    this.reply('+OK Events Enabled');
  }
}

/** The TCP listener FreeSWITCH runs on 8021. */
export class InboundListener {
  private constructor(private readonly server: Server) {}

  static listen(core: SwitchCore, options: { host: string; port: number; password: string }): Promise<InboundListener> {
    const server = createServer((socket) => new InboundConnection(core, socket, options.password));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        server.on('error', (error) => core.logger.error(`simulator: inbound listener: ${error.message}`));
        resolve(new InboundListener(server));
      });
    });
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
