import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { admitSession, type AdmissionNode } from '../esl/socket-admission';
import type { PeerPolicy } from '../esl/outbound-server';
import { addressList, plainAddress } from '../net/address-list';
import type { Clock } from '../time/clock';

/** Where FreeSWITCH's outbound sockets may come from when socketServer.allowFrom is not set. */
export const LOOPBACK = ['127.0.0.0/8', '::1'] as const;

export interface SocketPeerOptions {
  /** socketServer.allowFrom; unset: loopback and every node's address. */
  allowFrom: readonly string[] | undefined;
  /** The configured nodes (name and ESL host) with their inbound clients. */
  nodes: ReadonlyArray<{ readonly host: string; readonly client: AdmissionNode }>;
  clock: Clock;
  /** Each admission step's deadline. */
  timeoutMs?: number;
  /** Host name → addresses; DNS by default. */
  resolve?: (host: string) => Promise<string[]>;
  /** How long a resolved node address is trusted before it is looked up again. */
  resolveTtlMs?: number;
}

/**
 * The outbound-socket server's policy in the service: a peer must come from an allowed address,
 * and a session must prove it controls its channel on one of our nodes (socket-admission.ts),
 * asking first the node the peer address is (a node's ESL host normally is the address its
 * outbound sockets come from; when it is not, the other nodes are asked too). Node host names (a
 * compose service name) are resolved when a peer connects, so a FreeSWITCH container that comes
 * back on another address is still recognised.
 */
export function socketPeerPolicy(options: SocketPeerOptions): PeerPolicy {
  const resolve = options.resolve ?? defaultResolve;
  const ttlMs = options.resolveTtlMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const cache = new Map<string, { addresses: string[]; until: number }>();
  const addressesOf = async (host: string): Promise<string[]> => {
    if (isIP(host) !== 0) return [host];
    const cached = cache.get(host);
    if (cached && cached.until > options.clock.now()) return cached.addresses;
    const addresses = await resolve(host).catch(() => []);
    cache.set(host, { addresses, until: options.clock.now() + ttlMs });
    return addresses;
  };
  const nodesAt = async (peer: string): Promise<Set<AdmissionNode>> => {
    const matches = await Promise.all(options.nodes.map(async (node) => ((await addressesOf(node.host)).map(plainAddress).includes(peer) ? node.client : undefined)));
    return new Set(matches.filter((client): client is AdmissionNode => client !== undefined));
  };
  const configured = options.allowFrom === undefined ? undefined : addressList('socketServer.allowFrom', options.allowFrom);
  const loopback = addressList('loopback', LOOPBACK);
  return {
    async allows(peer) {
      if (configured) return configured.allows(peer);
      return loopback.allows(peer) || (await nodesAt(plainAddress(peer))).size > 0;
    },
    async admit(session, peer) {
      const first = await nodesAt(plainAddress(peer));
      const ordered = [...first, ...options.nodes.map((node) => node.client).filter((client) => !first.has(client))];
      return admitSession(session, ordered, { timeoutMs, peerNodes: first });
    },
  };
}

async function defaultResolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((entry) => entry.address);
}
