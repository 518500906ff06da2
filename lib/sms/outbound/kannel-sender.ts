import { resultOfNetworkError, resultOfStatus } from './http-result';
import { isGsm7 } from './gsm';
import type { OutgoingSms, SendResult, SmsSender } from './sender';

export interface KannelSenderOptions {
  /** smsbox's sendsms interface (sendsms-port in kannel.conf). */
  url?: string;
  /** A sendsms-user of kannel.conf; the defaults match kannel-conf/kannel.conf. */
  username?: string;
  password?: string;
  /** Sender address to use instead of the number the subscriber wrote to (some SMSCs force their own). */
  from?: string;
  /** Route through this SMSC (smsc-id in kannel.conf) instead of letting Kannel choose. */
  smsc?: string;
  timeoutMs?: number;
}

type Defaulted = 'url' | 'username' | 'password' | 'timeoutMs';

export const KANNEL_DEFAULTS: Required<Pick<KannelSenderOptions, Defaulted>> = {
  url: 'http://127.0.0.1:13013/cgi-bin/sendsms',
  username: 'callback',
  password: 'callback-sendsms',
  timeoutMs: 10_000,
};

/**
 * Sends through Kannel's sendsms HTTP interface (GET, credentials in the query: that is the only
 * form every Kannel version accepts). Kannel answers 202 "0: Accepted for delivery" or
 * "3: Queued for later delivery"; both mean it now owns the message.
 */
export class KannelSender implements SmsSender {
  readonly name = 'kannel';
  private readonly options: KannelSenderOptions & Required<Pick<KannelSenderOptions, Defaulted>>;

  constructor(options: KannelSenderOptions = {}) {
    this.options = { ...KANNEL_DEFAULTS, ...definedOnly(options) };
  }

  async send(sms: OutgoingSms): Promise<SendResult> {
    const url = new URL(this.options.url);
    const query = url.searchParams;
    query.set('username', this.options.username);
    query.set('password', this.options.password);
    query.set('from', this.options.from ?? sms.from);
    query.set('to', sms.to);
    query.set('text', sms.text);
    // Without an explicit charset Kannel reads UCS-2 text as UTF-16BE, so it is always given.
    query.set('charset', 'UTF-8');
    query.set('coding', isGsm7(sms.text) ? '0' : '2');
    if (this.options.smsc !== undefined) query.set('smsc', this.options.smsc);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs) });
      return resultOfStatus(response.status, await response.text());
    } catch (error) {
      return resultOfNetworkError(error);
    }
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
