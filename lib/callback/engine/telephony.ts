import type { OriginateRequest, SocketTarget } from '../../esl/dial-string';
import type { InboundClient } from '../../esl/inbound-client';
import type { NodePool } from '../../esl/node-pool';
import { isUnknownChannelError } from '../../esl/unknown-channel';
import type { EslEvent } from '../../esl/wire';

/**
 * What the engine needs from FreeSWITCH, whatever the number of nodes. Behind one interface so
 * the flows never care which node a leg is on, and tests could put a fake here.
 */
export interface EngineTelephony {
  /** Where `&socket(...)` points: this instance's outbound socket server. */
  readonly socketAddress: SocketTarget;
  /** The gateway legs leave through. */
  readonly gateway: string;
  /** A node with room for both legs of a call that must meet on it (uuid_bridge cannot cross nodes); each leg then originates with `{ node }`. */
  pickNode(): string;
  /** `bgapi originate`; on the given node, or on the least loaded one (counted against that node's channels and CPS either way). */
  originate(request: OriginateRequest, options?: { node?: string }): Promise<{ uuid: string; node: string }>;
  /**
   * `api` on a node. Without a node (its originate result never came) every node is asked in
   * turn until one knows the channel.
   */
  api(node: string | undefined, command: string): Promise<string>;
  /** Every event of every node. */
  onEvent(listener: (event: EslEvent) => void): () => void;
}

export type EngineClient = Pick<InboundClient, 'name' | 'api' | 'on'>;

export interface PoolTelephonyOptions {
  pool: Pick<NodePool, 'originate' | 'pick'>;
  clients: readonly EngineClient[];
  socketAddress: SocketTarget;
  gateway: string;
}

/** The production wiring: the node pool for originates, each node's inbound client for the rest. */
export function poolTelephony(options: PoolTelephonyOptions): EngineTelephony {
  const byName = new Map(options.clients.map((client) => [client.name, client]));
  const client = (node: string): EngineClient => {
    const found = byName.get(node);
    if (!found) throw new Error(`no ESL client for node ${node}`);
    return found;
  };
  return {
    socketAddress: options.socketAddress,
    gateway: options.gateway,
    pickNode: () => options.pool.pick(2).name,
    originate: (request, { node } = {}) => options.pool.originate(request, { node }),
    async api(node, command) {
      if (node !== undefined) return client(node).api(command);
      let last: unknown = new Error('no FreeSWITCH node');
      for (const candidate of options.clients) {
        try {
          return await candidate.api(command);
        } catch (error) {
          last = error;
          if (!isUnknownChannelError(error)) throw error;
        }
      }
      throw last;
    },
    onEvent(listener) {
      const detach = options.clients.map((c) => c.on('event', listener));
      return () => detach.forEach((off) => off());
    },
  };
}
