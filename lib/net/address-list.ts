import { BlockList, isIP } from 'node:net';

export type AddressType = 'ipv4' | 'ipv6';

/** The BlockList type of an IP address, or null when `address` is not one. */
export function addressType(address: string): AddressType | null {
  const family = isIP(address);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : null;
}

/** Why `entry` is not a single IP address or a CIDR range, or null when it is one. */
export function cidrProblem(entry: string): string | null {
  const [address = '', prefix] = entry.trim().split('/');
  const type = addressType(address);
  if (type === null) return `${JSON.stringify(entry)} is not an IP address or CIDR range`;
  if (prefix !== undefined && (!/^\d+$/.test(prefix) || Number(prefix) > (type === 'ipv6' ? 128 : 32))) {
    return `${JSON.stringify(entry)} has an invalid prefix length`;
  }
  return null;
}

/**
 * Adds single addresses and CIDR ranges (IPv4 or IPv6) to `list`. Node's BlockList also matches
 * an IPv4-mapped IPv6 address (::ffff:10.0.0.1) against IPv4 ranges.
 */
function addAddresses(list: BlockList, entries: readonly string[]): BlockList {
  for (const entry of entries) {
    const problem = cidrProblem(entry);
    if (problem !== null) throw new Error(problem);
    const [address = '', prefix] = entry.trim().split('/');
    const type = addressType(address) ?? 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** Whether `address` (any IP address; anything else never matches) is in `list`. */
function listed(list: BlockList, address: string): boolean {
  const type = addressType(address);
  return type !== null && list.check(address, type);
}

/**
 * An allow-list of single addresses and CIDR ranges. `what` names the list in the error a bad
 * entry gives (settings are validated before this, so that error is a bug's).
 */
export interface AddressList {
  /** Whether `address` (any IP address, IPv4-mapped IPv6 included; anything else never matches) is listed. */
  allows(address: string): boolean;
}

export function addressList(what: string, entries: readonly string[]): AddressList {
  const list = new BlockList();
  try {
    addAddresses(list, entries);
  } catch (error) {
    throw new Error(`${what}: allow-list entry ${error instanceof Error ? error.message : String(error)}`);
  }
  return { allows: (address) => listed(list, plainAddress(address)) };
}

/** IPv4 clients of a dual-stack socket come as ::ffff:a.b.c.d. */
export function plainAddress(raw: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw)?.[1] ?? raw;
}
