import type { Logger } from '../../log/logger';
import type { OutgoingSms, SendResult, SmsSender } from './sender';

/** The embedded mode has no gateway: replies are written to the log, and count as sent. */
export class LogSender implements SmsSender {
  readonly name = 'log';

  constructor(private readonly logger: Logger) {}

  async send(sms: OutgoingSms): Promise<SendResult> {
    this.logger.info('SMS reply (log-only sender, not sent to a phone)', { from: sms.from, to: sms.to, text: sms.text });
    return { ok: true };
  }
}
