/**
 * The nodes callback legs go out on for a `callbackServer` value: every node for `any`, else the
 * named one; undefined when no node has that name (an override naming a node since removed).
 */
export function callbackNodesOf(server: string, nodes: readonly string[]): readonly string[] | undefined {
  if (server === 'any') return nodes;
  return nodes.includes(server) ? [server] : undefined;
}
