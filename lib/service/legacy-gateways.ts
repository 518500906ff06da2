import type { FreeswitchNodeSettings } from '../config';
import type { Logger } from '../log/logger';
import { StoreConflict, type Carrier, type Store } from '../store';

/** Where a carrier seeded from a node's gateway list starts; the list's order is kept above it. */
const LEGACY_PRIORITY = 100;

/**
 * Issue #17: gateways are no longer listed per node but are carriers in the database. A
 * configuration that still lists them keeps calling out: each gateway becomes a carrier of the
 * same name (created if missing) reached through that gateway on that node, unless the operator
 * already gave the carrier a gateway there. What exists is never changed, so running this at
 * every start is harmless, and an operator's later edits stay.
 */
export async function seedCarriersFromNodes(store: Store, nodes: readonly FreeswitchNodeSettings[], logger: Logger): Promise<void> {
  const listing = nodes.filter((node) => node.gateways !== undefined);
  if (listing.length === 0) return;
  logger.warn('freeswitch.nodes[].gateways is deprecated: carriers are data now (`callback carriers`); a carrier per listed gateway is kept in the database', {
    nodes: listing.map((node) => node.name),
  });
  for (const node of listing) {
    for (const [index, gateway] of (node.gateways ?? []).entries()) {
      const carrier = await carrierNamed(store, gateway, LEGACY_PRIORITY + index);
      if (carrier.gateways.some((entry) => entry.node === node.name)) continue;
      await store.carriers.setGateway(carrier.id, { node: node.name, gateway });
      logger.info('carrier seeded from a node gateway', { carrier: carrier.name, node: node.name, gateway });
    }
  }
}

async function carrierNamed(store: Store, name: string, priority: number): Promise<Carrier> {
  const found = await store.carriers.getByName(name);
  if (found) return found;
  try {
    return await store.carriers.create({ name, priority });
  } catch (error) {
    // Another instance starting at the same moment created it first.
    const raced = error instanceof StoreConflict ? await store.carriers.getByName(name) : null;
    if (raced) return raced;
    throw error;
  }
}
