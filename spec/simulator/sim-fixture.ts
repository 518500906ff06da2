import type { EslEvent } from '../../lib/esl/wire';
import { FreeswitchSimulator, type PhoneBehaviour, type SimulatorOptions } from '../../lib/simulator';
import { ManualClock } from '../../lib/time/clock';
import { EslTestClient, OutboundServer } from './esl-test-client';

/** Matches CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE of one application. */
export function appEvent(name: 'CHANNEL_EXECUTE' | 'CHANNEL_EXECUTE_COMPLETE', application: string): (event: EslEvent) => boolean {
  return (event) => event.name === name && event.headers.get('Application') === application;
}

/** `sendmsg` + `call-command: execute`, waiting for its `+OK`. */
export async function sendExecute(socket: EslTestClient, application: string, arg = '', headers: Record<string, string> = {}): Promise<void> {
  await socket.request('sendmsg', { 'call-command': 'execute', 'execute-app-name': application, 'execute-app-arg': arg, ...headers });
}

export interface SimFixture {
  readonly sim: FreeswitchSimulator;
  readonly clock: ManualClock;
  readonly out: OutboundServer;
  /** An authenticated inbound client, closed by `stop()`. */
  inbound(): Promise<EslTestClient>;
  /** An inbound client subscribed to `event plain ALL`. */
  watcher(): Promise<EslTestClient>;
  /** `bgapi originate … '&socket(our server)'` and the accepted, connected socket with myevents. */
  callWithSocket(number: string, options?: { vars?: string; linger?: boolean; events?: string }): Promise<{ uuid: string; socket: EslTestClient; control: EslTestClient }>;
  stop(): Promise<void>;
}

let counter = 0;

/** A simulator on a ManualClock with an outbound-socket server of our own. */
export async function startSim(options: SimulatorOptions & { phones?: Record<string, PhoneBehaviour> } = {}): Promise<SimFixture> {
  const clock = new ManualClock();
  const sim = await FreeswitchSimulator.start({ clock, ...options });
  for (const [number, behaviour] of Object.entries(options.phones ?? {})) sim.setPhone(number, behaviour);
  const out = await OutboundServer.listen();
  const clients: EslTestClient[] = [];
  const inbound = async (): Promise<EslTestClient> => {
    const client = await EslTestClient.authed(sim.eslPort);
    clients.push(client);
    return client;
  };
  const fixture: SimFixture = {
    sim,
    clock,
    out,
    inbound,
    async watcher() {
      const client = await inbound();
      await client.request('event plain ALL');
      return client;
    },
    async callWithSocket(number, callOptions = {}) {
      const control = await inbound();
      const uuid = `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
      const vars = [`origination_uuid=${uuid}`, callOptions.vars].filter(Boolean).join(',');
      await control.request(`bgapi originate {${vars}}sofia/gateway/carrier/${number} '&socket(127.0.0.1:${out.port} async full)'`);
      const socket = await out.accept();
      clients.push(socket);
      await socket.request('connect');
      await socket.request('myevents');
      if (callOptions.linger) await socket.request('linger');
      if (callOptions.events) await socket.request(`event plain ${callOptions.events}`);
      await socket.event('CHANNEL_PARK');
      return { uuid, socket, control };
    },
    async stop() {
      for (const client of clients) client.close();
      await out.close();
      await sim.stop();
    },
  };
  return fixture;
}
