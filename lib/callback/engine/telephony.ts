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
  /** Every node's name. */
  readonly nodes: readonly string[];
  /**
   * The least loaded of `among` with room for `calls` originates now (a leg's carrier has a
   * gateway only on some nodes; legs that must meet for uuid_bridge need room for both). Takes
   * nothing: originate then with `{ node }`. Throws NoCapacity when none has room.
   */
  pickNode(calls: number, among: readonly string[]): string;
  /**
   * `bgapi originate`; on the given node, or on the least loaded one (counted against that node's
   * channels and CPS either way). `onAccepted`: FreeSWITCH has taken the job (the leg rings).
   */
  originate(request: OriginateRequest, options?: OriginateOptions): Promise<{ uuid: string; node: string }>;
  /**
   * `api` on a node. Without a node (its originate result never came) every node is asked in
   * turn until one knows the channel.
   */
  api(node: string | undefined, command: string): Promise<string>;
  /** Every event of every node. */
  onEvent(listener: (event: EslEvent) => void): () => void;
}

export interface OriginateOptions {
  node?: string;
  onAccepted?: () => void;
}

export type EngineClient = Pick<InboundClient, 'name' | 'api' | 'on'>;

export interface PoolTelephonyOptions {
  pool: Pick<NodePool, 'originate' | 'pick'>;
  clients: readonly EngineClient[];
  socketAddress: SocketTarget;
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
    nodes: options.clients.map((c) => c.name),
    pickNode: (calls, among) => options.pool.pick(calls, among).name,
    originate: (request, originateOptions = {}) => options.pool.originate(request, originateOptions),
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
