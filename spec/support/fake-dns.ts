import type { LookupAddress } from 'node:dns';
import { webhookTargetPolicy } from '../../lib/http/webhooks/target-policy';
import { WebhookTargets, type HostResolver } from '../../lib/http/webhooks/webhook-targets';
import type { Clock } from '../../lib/time/clock';

/** A public address (example.com's) for names the tests do not care about. */
export const PUBLIC_ADDRESS = '93.184.216.34';

/**
 * A resolver answering from a table, so no test depends on the machine's DNS. Each name's answers
 * are given in turn, the last one repeating (a DNS rebinding attacker's server); a name not in the
 * table is unknown, unless `others` answers for every other name.
 */
export function fakeDns(table: Record<string, ReadonlyArray<readonly string[]>>, others?: readonly string[]): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = (hostname: string): Promise<LookupAddress[]> => {
    const times = asked.filter((name) => name === hostname).length;
    asked.push(hostname);
    const answers = table[hostname] ?? (others ? [others] : undefined);
    if (!answers) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    const answer = answers[Math.min(times, answers.length - 1)] ?? [];
    return Promise.resolve(answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return Object.assign(resolve, { asked });
}

/** The default webhook policy, with every host name resolving to a public address. */
export function publicWebhookTargets(clock: Clock): WebhookTargets {
  return new WebhookTargets({ policy: webhookTargetPolicy(), clock, resolve: fakeDns({}, [PUBLIC_ADDRESS]) });
}
