import { addressType } from '../../net/address-list';
import { WebhookTargetRefused } from './target-policy';

/** A status webhook URL taken apart for connecting: its credentials become a header and leave the URL. */
export interface WebhookTarget {
  /** The URL without user or password. */
  readonly url: URL;
  /** Host name or IP address, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  /** The host is an IP address: no name resolution happens, so it is checked as written. */
  readonly literal: boolean;
  /** `Basic …` from the URL's user and password, when it has them. */
  readonly authorization?: string;
}

const MASK = '***';

export function webhookTarget(text: string): WebhookTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookTargetRefused('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookTargetRefused('only http:// and https:// URLs are accepted');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new WebhookTargetRefused('the host is missing');
  const authorization = url.username || url.password ? `Basic ${Buffer.from(`${decoded(url.username)}:${decoded(url.password)}`).toString('base64')}` : undefined;
  url.username = '';
  url.password = '';
  return {
    url,
    host,
    port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
    literal: addressType(host) !== null,
    ...(authorization ? { authorization } : {}),
  };
}

/** The URL as shown in API answers and logs: user and password replaced by `***`; anything else unchanged. */
export function maskUrlCredentials(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL: mask whatever stands where credentials would.
    return text.replace(/(^|\/\/)[^/?#]*@/, `$1${MASK}@`);
  }
  if (!url.username && !url.password) return text;
  url.username = MASK;
  url.password = url.password ? MASK : '';
  return url.href;
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
