import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { Clock } from '../../time/clock';
import { WebhookTargetRefused, type WebhookTargetPolicy } from './target-policy';
import { webhookTarget, type WebhookTarget } from './webhook-url';

/** Every address a host name has (what `dns.lookup` with `all` answers). */
export type HostResolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemResolver: HostResolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** How long an order waits for DNS before the URL is taken unchecked (connecting checks it again). */
const ORDER_LOOKUP_TIMEOUT_MS = 2_000;

export interface WebhookTargetsOptions {
  policy: WebhookTargetPolicy;
  clock: Clock;
  resolve?: HostResolver;
}

/** Where a delivery connects: the target, and the `lookup` its socket must use. */
export interface WebhookRoute extends WebhookTarget {
  readonly lookup: LookupFunction;
}

/**
 * Keeps status webhooks off the operator's own networks (SSRF), twice: when a URL is ordered, so
 * the subscriber hears why at once, and when each delivery connects, through the socket's own
 * name lookup, so a DNS answer that changed in between (rebinding) is refused too.
 */
export class WebhookTargets {
  private readonly resolve: HostResolver;

  constructor(private readonly options: WebhookTargetsOptions) {
    this.resolve = options.resolve ?? systemResolver;
  }

  /**
   * At order time: throws WebhookTargetRefused for a URL that is not http(s), or whose host is a
   * forbidden address or a name with only forbidden addresses. A name that does not resolve now
   * is let through: connecting refuses it if it ever resolves to a forbidden address.
   */
  async check(text: string): Promise<void> {
    const target = webhookTarget(text);
    if (target.literal) return this.admit(target.host, target.port);
    const addresses = await this.resolveWithin(target.host, ORDER_LOOKUP_TIMEOUT_MS);
    if (addresses.length > 0) this.usable(target.host, target.port, addresses);
  }

  /** At delivery time: the target, refused at once when its host is a forbidden address, with a lookup that refuses forbidden answers. */
  route(text: string): WebhookRoute {
    const target = webhookTarget(text);
    if (target.literal) this.admit(target.host, target.port);
    return { ...target, lookup: this.lookup(target.port) };
  }

  /** For net.connect: resolves with our resolver and hands on only addresses the policy allows. */
  private lookup(port: number): LookupFunction {
    return (hostname, options, callback) => {
      const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : undefined;
      this.resolve(hostname)
        .then((addresses) => {
          const usable = this.usable(hostname, port, addresses.filter((address) => family === undefined || address.family === family));
          if (options.all === true) callback(null, usable);
          else callback(null, usable[0]?.address ?? '', usable[0]?.family);
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''));
    };
  }

  private admit(address: string, port: number): void {
    const refusal = this.options.policy.refusal(address, port);
    if (refusal !== null) throw new WebhookTargetRefused(`webhooks may not reach ${refusal}`);
  }

  /** The addresses the policy allows; throws when there is none. */
  private usable(hostname: string, port: number, addresses: readonly LookupAddress[]): LookupAddress[] {
    const refusals = addresses.map((address) => this.options.policy.refusal(address.address, port));
    const usable = addresses.filter((_address, index) => refusals[index] === null);
    if (usable.length === 0) {
      const reasons = refusals.filter((refusal) => refusal !== null).join('; ');
      throw new WebhookTargetRefused(`${hostname} resolves only to addresses webhooks may not reach${reasons ? `: ${reasons}` : ''}`);
    }
    return usable;
  }

  private resolveWithin(hostname: string, ms: number): Promise<readonly LookupAddress[]> {
    return new Promise((resolve) => {
      const timer = this.options.clock.setTimeout(() => resolve([]), ms);
      this.resolve(hostname).then(
        (addresses) => {
          timer.cancel();
          resolve(addresses);
        },
        () => {
          timer.cancel();
          resolve([]);
        },
      );
    });
  }
}
