import { addressList, type AddressList } from '../../net/address-list';

/** Why a status webhook may not go where its URL points; the message names the host or address, never the URL's credentials. */
export class WebhookTargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetRefused';
  }
}

/** An address and port this service itself listens on. */
export interface OwnEndpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * Ranges no account's webhook may reach unless the operator allows them: the host itself, its
 * networks and the cloud metadata service are the operator's, not the subscriber's. First match names
 * the refusal, so narrower ranges come before the ones containing them.
 */
const FORBIDDEN_IPV4: ReadonlyArray<readonly [range: string, what: string]> = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0/8', 'private (10.0.0.0/8)'],
  ['100.64.0.0/10', 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0/8', 'loopback (127.0.0.0/8)'],
  ['169.254.0.0/16', 'link-local, where cloud metadata lives (169.254.0.0/16)'],
  ['172.16.0.0/12', 'private (172.16.0.0/12)'],
  ['192.0.0.0/24', 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.168.0.0/16', 'private (192.168.0.0/16)'],
  ['198.18.0.0/15', 'benchmarking (198.18.0.0/15)'],
  ['224.0.0.0/4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 'reserved or broadcast (240.0.0.0/4)'],
];

const FORBIDDEN_IPV6: ReadonlyArray<readonly [range: string, what: string]> = [
  ['::/128', 'unspecified (::)'],
  ['::1/128', 'loopback (::1)'],
  ['::/96', 'IPv4-compatible (::/96)'],
  ['64:ff9b:1::/48', 'local-use NAT64 (64:ff9b:1::/48)'],
  ['fc00::/7', 'unique local (fc00::/7)'],
  ['fe80::/10', 'link-local (fe80::/10)'],
  ['fec0::/10', 'site-local (fec0::/10)'],
  ['ff00::/8', 'multicast (ff00::/8)'],
];

/** An IPv4 range as reached through the NAT64 well-known prefix (64:ff9b::a.b.c.d/96+n). */
function throughNat64(range: string): string {
  const [address, bits] = range.split('/');
  return `64:ff9b::${address}/${96 + Number(bits)}`;
}

/** One list per range, so a match can say which range it was (IPv4-mapped IPv6 included). */
const FORBIDDEN: ReadonlyArray<{ list: AddressList; what: string }> = [
  ...FORBIDDEN_IPV4.map(([range, what]) => ({ list: addressList(what, [range]), what })),
  ...FORBIDDEN_IPV4.map(([range, what]) => ({ list: addressList(what, [throughNat64(range)]), what: `${what} through NAT64` })),
  ...FORBIDDEN_IPV6.map(([range, what]) => ({ list: addressList(what, [range]), what })),
];

export interface WebhookTargetPolicy {
  /** Why a webhook may not connect to `address` (an IP address) on `port`, or null when it may. */
  refusal(address: string, port: number): string | null;
}

export interface TargetPolicyOptions {
  /** http.webhookAllowPrivateTargets: addresses and CIDR ranges let through although they are in a forbidden range. */
  allowPrivate?: readonly string[];
  /** Where this service listens; read on every check, since the port is known only once it listens. */
  ownEndpoints?: () => readonly OwnEndpoint[];
}

/**
 * Which addresses status webhooks may reach. This service's own API is refused even when its
 * address is allowed: a webhook must never call the API that ordered it.
 */
export function webhookTargetPolicy(options: TargetPolicyOptions = {}): WebhookTargetPolicy {
  const allowed = addressList('http.webhookAllowPrivateTargets', options.allowPrivate ?? []);
  const ownEndpoints = options.ownEndpoints ?? (() => []);
  return {
    refusal(address, port) {
      const own = ownEndpoints().filter((endpoint) => addressList('own endpoint', [endpoint.address]).allows(address));
      if (own.some((endpoint) => endpoint.port === port)) return `${address} port ${port} is this service's own API`;
      if (allowed.allows(address)) return null;
      if (own.length > 0) return `${address} is an address of this service`;
      const forbidden = FORBIDDEN.find((range) => range.list.allows(address));
      return forbidden ? `${address} is ${forbidden.what}` : null;
    },
  };
}
