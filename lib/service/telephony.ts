import type { Settings } from '../config';
import { SIMULATOR_NODE_NAME } from '../config/freeswitch-schema';
import { InboundClient } from '../esl/inbound-client';
import { NodePool } from '../esl/node-pool';
import { OutboundServer, type SessionHandler } from '../esl/outbound-server';
import type { Logger } from '../log/logger';
import { FreeswitchSimulator } from '../simulator';
import type { Clock } from '../time/clock';
import { socketPeerPolicy } from './socket-peers';
import type { StopStack } from './stop-stack';
import { listenOn } from './port-in-use';

export interface Telephony {
  pool: NodePool;
  clients: readonly InboundClient[];
  outbound: OutboundServer;
  /** What `&socket(...)` in an originate must point at. */
  socketAddress: { host: string; port: number };
  simulator?: FreeswitchSimulator;
}

/**
 * Connects to FreeSWITCH: the nodes of the settings, or, in simulator mode, a bundled simulator
 * on the configured port. Either way the rest of the service sees the same ESL clients, on real
 * TCP, speaking the same commands.
 */
export async function startTelephony(settings: Settings, deps: { logger: Logger; clock: Clock; stops: StopStack; handler: SessionHandler; onArrival: (uuid: string) => () => void }): Promise<Telephony> {
  const { logger, clock, stops } = deps;
  // Filled once the nodes' clients exist; a session arriving before has no node to vouch for it and is refused.
  const admissionNodes: Array<{ host: string; client: InboundClient }> = [];
  const outbound = await listenOn(['socketServer', 'port'], settings.socketServer, () =>
    OutboundServer.listen({
      host: settings.socketServer.host,
      port: settings.socketServer.port,
      handler: deps.handler,
      onArrival: deps.onArrival,
      peers: socketPeerPolicy({ allowFrom: settings.socketServer.allowFrom, nodes: admissionNodes, clock }),
      logger: logger.child({ component: 'outbound-socket' }),
      clock,
    }),
  );
  stops.push('outbound socket server', () => outbound.close());
  const socketAddress = { host: settings.socketServer.advertiseHost, port: outbound.address.port };
  logger.info(`outbound socket server listening on ${settings.socketServer.host}:${outbound.address.port}`, { port: outbound.address.port });

  let simulator: FreeswitchSimulator | undefined;
  let nodes = settings.freeswitch.nodes;
  if (settings.freeswitch.mode === 'simulator') {
    simulator = await listenOn(['simulator', 'eslPort'], { host: settings.simulator.host, port: settings.simulator.eslPort }, () =>
      FreeswitchSimulator.start({
        eslHost: settings.simulator.host,
        eslPort: settings.simulator.eslPort,
        clock,
        logger: logger.child({ component: 'simulator' }),
        // Every simulated phone answers and, so that a call ordered from the portal or the API
        // ends by itself, hangs up after a short talk.
        defaultPhone: { kind: 'answer', afterMs: 1500, hangupAfterMs: 20_000 },
      }),
    );
    stops.push('FreeSWITCH simulator', () => simulator!.stop());
    logger.info(`FreeSWITCH simulator listening on ${settings.simulator.host}:${simulator.eslPort} (no real FreeSWITCH configured)`);
    // Its gateway `carrier` is the demo carrier's (db/seeds/demo.ts).
    nodes = [{ name: SIMULATOR_NODE_NAME, host: settings.simulator.host, port: simulator.eslPort, password: 'ClueCon', maxCps: 100, maxChannels: 10_000 }];
  }

  const clients = nodes.map(
    (node) =>
      new InboundClient({ name: node.name, host: node.host, port: node.port, password: node.password, logger: logger.child({ node: node.name }), clock }),
  );
  clients.forEach((client, i) => admissionNodes.push({ host: nodes[i]!.host, client }));
  for (const client of clients) {
    client.start();
    stops.push(`ESL connection to ${client.name}`, () => client.close());
  }
  const pool = new NodePool({
    nodes: clients.map((client, i) => ({ client, maxChannels: nodes[i]!.maxChannels, maxCps: nodes[i]!.maxCps })),
    logger: logger.child({ component: 'node-pool' }),
    clock,
  });
  stops.push('node pool', async () => pool.close());

  return { pool, clients, outbound, socketAddress, ...(simulator ? { simulator } : {}) };
}
