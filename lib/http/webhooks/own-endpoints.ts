import { promises as dns } from 'node:dns';
import { networkInterfaces } from 'node:os';
import { addressType } from '../../net/address-list';
import type { OwnEndpoint } from './target-policy';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/**
 * Where this service's API answers: its listen address on `port` (every interface's address when
 * it listens on all of them), and the public URL's host and port (a proxy in front of us).
 */
export async function ownApiEndpoints(http: { host: string; publicUrl?: string | undefined }, port: number): Promise<OwnEndpoint[]> {
  const endpoints = await endpointsOf(http.host, port);
  if (http.publicUrl === undefined) return endpoints;
  const url = new URL(http.publicUrl);
  return [...endpoints, ...(await endpointsOf(url.hostname, url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)))];
}

/** A name that does not resolve gives nothing. */
async function endpointsOf(host: string, port: number): Promise<OwnEndpoint[]> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (WILDCARD_HOSTS.has(bare)) addresses = Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address));
  else if (addressType(bare) !== null) addresses = [bare];
  else addresses = await dns.lookup(bare, { all: true }).then((found) => found.map((entry) => entry.address), () => []);
  return addresses.filter((address) => addressType(address) !== null).map((address) => ({ address, port }));
}
