import type { Logger } from '../log/logger';
import { systemClock, type Clock } from '../time/clock';
import type { OriginateRequest } from './dial-string';
import { EslCommandFailed, NoCapacity } from './errors';
import type { BgapiOptions, InboundClient } from './inbound-client';
import { errorText } from './listeners';
import { TokenBucket } from './token-bucket';
import { ownString } from './wire/own-string';

/** The part of InboundClient the pool uses (tests give it fakes). */
export type PoolClient = Pick<InboundClient, 'name' | 'state' | 'on' | 'originate' | 'api'>;

export interface PoolNodeConfig {
  client: PoolClient;
  /** Channels of every kind on the node (our legs, far ends, access calls) we let it carry. */
  maxChannels: number;
  /** Originates per second; bursts up to the same number. */
  maxCps: number;
}

export interface NodeSnapshot {
  name: string;
  state: PoolClient['state'];
  channels: number;
  maxChannels: number;
  cpsAvailable: number;
}

const UUID_AT_LINE_START = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}),/i;

class PoolNode {
  readonly channels = new Set<string>();
  /** Originates we sent and have no answer for: kept across a resync, which may not list them yet. */
  readonly originating = new Set<string>();
  readonly bucket: TokenBucket;

  constructor(
    readonly config: PoolNodeConfig,
    clock: Clock,
  ) {
    this.bucket = new TokenBucket(config.maxCps, Math.max(1, config.maxCps), clock);
  }

  get name(): string {
    return this.config.client.name;
  }

  get load(): number {
    return this.channels.size / this.config.maxChannels;
  }
}

/**
 * Spreads originates over several FreeSWITCH nodes: only ready nodes, the least loaded first,
 * within each node's channel limit and calls-per-second budget. Channel counts come from our own
 * originates and the nodes' CHANNEL_CREATE / CHANNEL_HANGUP_COMPLETE events, and are re-read with
 * `show channels` each time a node (re)connects, since events are lost while it is down.
 */
export class NodePool {
  private readonly nodes: PoolNode[];
  private readonly detach: Array<() => void> = [];
  private readonly logger: Logger;

  constructor(options: { nodes: readonly PoolNodeConfig[]; logger: Logger; clock?: Clock }) {
    const clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.nodes = options.nodes.map((config) => new PoolNode(config, clock));
    for (const node of this.nodes) {
      this.detach.push(
        node.config.client.on('event', (event) => {
          const uuid = event.headers.get('Unique-ID');
          if (!uuid) return;
          // Held for the call's life: a slice would keep the whole event's text (see own-string).
          if (event.name === 'CHANNEL_CREATE' && !node.channels.has(uuid)) node.channels.add(ownString(uuid));
          else if (event.name === 'CHANNEL_HANGUP_COMPLETE') node.channels.delete(uuid);
        }),
        node.config.client.on('state', (state) => {
          if (state === 'ready') void this.resync(node);
        }),
      );
      if (node.config.client.state === 'ready') void this.resync(node);
    }
  }

  snapshot(): NodeSnapshot[] {
    return this.nodes.map((node) => ({
      name: node.name,
      state: node.config.client.state,
      channels: node.channels.size,
      maxChannels: node.config.maxChannels,
      cpsAvailable: Math.floor(node.bucket.available),
    }));
  }

  /**
   * The node the next originates would go to, with room and CPS budget for `calls` of them right
   * now; takes nothing (each originate takes its own token). For legs that must meet on one node
   * (uuid_bridge cannot cross nodes): pick it, then originate each leg with `{ node }`. Throws
   * NoCapacity when no node has room.
   */
  pick(calls = 1, among?: readonly string[]): PoolClient {
    return this.choose({ among, calls, take: false }).config.client;
  }

  /**
   * Originates on the best node, or on `options.node` only; resolves with the leg's uuid and the
   * node that carries it. Either way the leg counts against that node's channels and CPS.
   */
  async originate(request: OriginateRequest, options: BgapiOptions & { node?: string } = {}): Promise<{ uuid: string; node: string }> {
    const { node: only, ...command } = options;
    const node = this.choose({ among: only === undefined ? undefined : [only], calls: 1, take: true });
    node.channels.add(request.uuid);
    node.originating.add(request.uuid);
    try {
      const uuid = await node.config.client.originate(request, command);
      return { uuid, node: node.name };
    } catch (error) {
      // A failed originate left no channel; after a timeout or disconnect the leg may exist, and
      // HANGUP_COMPLETE or the next resync settles the count.
      if (error instanceof EslCommandFailed) node.channels.delete(request.uuid);
      throw error;
    } finally {
      node.originating.delete(request.uuid);
    }
  }

  close(): void {
    for (const detach of this.detach.splice(0)) detach();
  }

  /** The least loaded node (of `among`, if given) that is ready and has room for `calls` originates; `take` takes its CPS token. */
  private choose(options: { among?: readonly string[] | undefined; calls: number; take: boolean }): PoolNode {
    const { among, calls, take } = options;
    const candidates = (among === undefined ? [...this.nodes] : this.nodes.filter((node) => among.includes(node.name))).sort((a, b) => a.load - b.load);
    if (candidates.length === 0 && among !== undefined) throw new NoCapacity(among.map((name) => ({ name, reason: 'unknown node' })));
    const refusals: Array<{ name: string; reason: string }> = [];
    for (const node of candidates) {
      if (node.config.client.state !== 'ready') refusals.push({ name: node.name, reason: node.config.client.state });
      else if (node.channels.size + calls > node.config.maxChannels) refusals.push({ name: node.name, reason: 'full' });
      else if (take ? !node.bucket.tryTake() : node.bucket.available < calls) refusals.push({ name: node.name, reason: 'cps' });
      else return node;
    }
    throw new NoCapacity(refusals);
  }

  /**
   * `api` runs inline on FreeSWITCH's listener thread, so events received before its response are
   * older than the listing and those after it newer: replacing the set at the response is exact.
   */
  private async resync(node: PoolNode): Promise<void> {
    try {
      const listing = await node.config.client.api('show channels');
      const live = new Set<string>(node.originating);
      for (const line of listing.split('\n')) {
        const match = UUID_AT_LINE_START.exec(line.trim());
        if (match?.[1]) live.add(match[1].toLowerCase());
      }
      node.channels.clear();
      for (const uuid of live) node.channels.add(uuid);
      this.logger.debug('node channels resynced', { node: node.name, channels: live.size });
    } catch (error) {
      this.logger.warn('could not resync node channels', { node: node.name, error: errorText(error) });
    }
  }
}
