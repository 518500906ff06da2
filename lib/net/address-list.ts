import { BlockList, isIP } from 'node:net';

/**
 * An allow-list of single addresses and CIDR ranges, IPv4 or IPv6. `what` names the list in the
 * error a bad entry gives (settings are validated before this, so that error is a bug's).
 */
export function addressList(what: string, entries: readonly string[]): { allows(address: string): boolean } {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.trim().split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`${what}: allow-list entry ${JSON.stringify(entry)} is not an IP address or CIDR range`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d+$/.test(prefix) || bits > (family === 6 ? 128 : 32)) {
      throw new Error(`${what}: allow-list entry ${JSON.stringify(entry)} has an invalid prefix length`);
    }
    list.addSubnet(address, bits, type);
  }
  return {
    allows(address) {
      const plain = plainAddress(address);
      const family = isIP(plain);
      return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/** IPv4 clients of a dual-stack socket come as ::ffff:a.b.c.d. */
export function plainAddress(raw: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw)?.[1] ?? raw;
}
