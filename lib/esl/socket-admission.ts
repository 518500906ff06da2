import { randomBytes } from 'node:crypto';
import type { CallSession } from './call-session';
import { EslDisconnected, EslTimeout } from './errors';
import { errorText } from './listeners';
import { isUnknownChannelError } from './unknown-channel';

/** A FreeSWITCH node as admission needs it: its name and `api` on its inbound connection. */
export interface AdmissionNode {
  readonly name: string;
  api(command: string, options?: { quietTimeoutMs?: number }): Promise<string>;
}

export type Admission =
  | { readonly admitted: true; readonly node: string; /** Admitted on the peer address alone: its node could not be asked. */ readonly unproven?: true }
  | { readonly admitted: false; readonly reason: string };

/** The channel variable the challenge is written to; a name of ours, so nothing else reads it. */
export const PROOF_VARIABLE = 'callback_socket_proof';

/** FreeSWITCH uuids (and our origination_uuids); anything else must not reach an api command line. */
const CHANNEL_UUID = /^[0-9A-Za-z-]{1,64}$/;

export interface AdmissionOptions {
  /**
   * Neither the node (its `uuid_setvar`) nor the socket (its `getvar`) may fall silent for this
   * long while a step waits. Only silence: under load `uuid_setvar` queues behind hundreds of
   * commands on the node's busy inbound connection, which is no outage, and taking that wait for
   * one would admit sessions on their peer address alone just when the proof is the only check
   * that holds; and a long turn of ours is not the socket's silence (a real leg was refused so).
   */
  timeoutMs: number;
  nonce?: () => string;
  /**
   * The nodes the peer's address belongs to. When one of them cannot be asked (its event socket
   * is down, or sent nothing at all for `timeoutMs`) and no other node knows the channel, the session is admitted on
   * that address alone: a call of that node must not be lost to an outage of our link to it,
   * and the connection does come from the node's own address.
   */
  peerNodes?: ReadonlySet<AdmissionNode>;
}

/**
 * Whether an outbound-socket session really is the channel it names. Anyone who reaches the port
 * can send a `connect` reply naming any Unique-ID and any variables (a leg's origination_uuid and
 * request id, an access number), and a channel of that uuid may well exist: so the uuid is not
 * enough. The node's own inbound connection (authenticated, ours) writes a fresh random value into
 * the channel with `uuid_setvar`, and the session must read it back with `getvar`: only the socket
 * FreeSWITCH opened for that very channel can. The node that knows the channel is the session's
 * node. `nodes` are tried in order: the one the peer address belongs to first.
 */
export async function admitSession(
  session: Pick<CallSession, 'uuid' | 'getVariable'>,
  nodes: readonly AdmissionNode[],
  options: AdmissionOptions,
): Promise<Admission> {
  const uuid = session.uuid;
  if (!CHANNEL_UUID.test(uuid)) return { admitted: false, reason: `malformed Unique-ID ${JSON.stringify(uuid.slice(0, 80))}` };
  const nonce = (options.nonce ?? (() => randomBytes(16).toString('hex')))();
  const failures: string[] = [];
  let node: AdmissionNode | undefined;
  let unreachablePeerNode: AdmissionNode | undefined;
  for (const candidate of nodes) {
    try {
      await candidate.api(`uuid_setvar ${uuid} ${PROOF_VARIABLE} ${nonce}`, { quietTimeoutMs: options.timeoutMs });
      node = candidate;
      break;
    } catch (error) {
      if (isUnknownChannelError(error)) continue;
      failures.push(`${candidate.name}: ${errorText(error)}`);
      const unreachable = error instanceof EslDisconnected || error instanceof EslTimeout;
      if (unreachable && options.peerNodes?.has(candidate)) unreachablePeerNode ??= candidate;
    }
  }
  if (!node && unreachablePeerNode) return { admitted: true, node: unreachablePeerNode.name, unproven: true };
  if (!node) {
    const why = failures.length > 0 ? ` (${failures.join('; ')})` : '';
    return { admitted: false, reason: `no configured FreeSWITCH node has channel ${uuid}${why}` };
  }
  const read = await session.getVariable(PROOF_VARIABLE, { quietTimeoutMs: options.timeoutMs }).catch((error: unknown) => ({ failed: errorText(error) }));
  if (read !== nonce) {
    const got = typeof read === 'object' && read !== null ? read.failed : 'a different value';
    return { admitted: false, reason: `the socket does not control channel ${uuid} on ${node.name}: getvar gave ${got}` };
  }
  return { admitted: true, node: node.name };
}
