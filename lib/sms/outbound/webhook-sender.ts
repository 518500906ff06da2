import { resultOfNetworkError, resultOfStatus } from './http-result';
import type { OutgoingSms, SendResult, SmsSender } from './sender';

export interface WebhookSenderOptions {
  /** Receives POST {from, to, text} as JSON. */
  url: string;
  /** Sent as X-Callback-Secret so the receiver can tell the request is ours. */
  secret?: string;
  timeoutMs?: number;
}

/**
 * For gateways with an HTTP API of their own, put behind a small relay, or for tests. A JSON
 * answer with a string or number `id` is kept as the gateway's message id.
 */
export class WebhookSender implements SmsSender {
  readonly name = 'webhook';

  constructor(private readonly options: WebhookSenderOptions) {}

  async send(sms: OutgoingSms): Promise<SendResult> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.secret !== undefined) headers['x-callback-secret'] = this.options.secret;
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ from: sms.from, to: sms.to, text: sms.text }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      const body = await response.text();
      const result = resultOfStatus(response.status, body);
      if (!result.ok) return result;
      const id = idIn(body);
      return id === undefined ? result : { ok: true, gatewayMessageId: id };
    } catch (error) {
      return resultOfNetworkError(error);
    }
  }
}

function idIn(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || !('id' in parsed)) return undefined;
    const { id } = parsed;
    if (typeof id === 'number' && Number.isFinite(id)) return String(id);
    return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
  } catch {
    return undefined;
  }
}
