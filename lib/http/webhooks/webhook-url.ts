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

/**
 * Query parameters whose value is a credential, by name (`token`, `api_key`, `X-Signature`,
 * `access_token`, `pwd`, …): receivers often take their secret in the query string instead of the
 * user and password. A harmless name caught by it (`author`) only hides a value in a log line.
 */
const SECRET_PARAMETER = /token|key|secret|sig|auth|pass|pwd|credential|session/i;

/**
 * The URL as shown in API answers, CLI listings and logs: user and password, and the values of
 * query parameters named like credentials, replaced by `***`; anything else exactly as given.
 */
export function maskUrlCredentials(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL: mask whatever stands where credentials would.
    return maskQuery(text.replace(/(^|\/\/)[^/?#]*@/, `$1${MASK}@`));
  }
  if (!url.username && !url.password && maskQuery(url.search) === url.search) return text;
  if (url.username || url.password) {
    url.username = MASK;
    url.password = url.password ? MASK : '';
  }
  url.search = maskQuery(url.search);
  return url.href;
}

/** `?a=1&token=abc` → `?a=1&token=***`, in a query or in any text holding one. */
function maskQuery(text: string): string {
  return text.replace(/([?&;])([^=&#;]*)=([^&#;]*)/g, (whole, separator: string, name: string) =>
    SECRET_PARAMETER.test(decoded(name)) ? `${separator}${name}=${MASK}` : whole,
  );
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
