/**
 * The FreeSWITCH simulator as a process of its own for the benchmarks (forked by sim-child.ts), so
 * that its CPU is not the controller's. Tells the parent its port, then obeys its messages.
 */
import { FreeswitchSimulator, type PhoneScript } from '../lib/simulator';

export type SimRequest =
  | { type: 'phones'; numbers: string[]; behaviour: PhoneScript }
  | { type: 'dtmf'; fraction: number; digits: string }
  | { type: 'stats' };

export type SimReply = { type: 'ready'; port: number } | { type: 'done'; sent?: number; channels?: number; bridged?: number; cpuMs?: number };

async function main(): Promise<void> {
  const sim = await FreeswitchSimulator.start({ eslPort: 0, gateways: ['carrier'], defaultPhone: { kind: 'answer' } });
  const reply = (message: SimReply): void => void process.send?.(message);
  process.on('message', (message: SimRequest) => {
    if (message.type === 'phones') {
      for (const number of message.numbers) sim.setPhone(number, message.behaviour);
      reply({ type: 'done' });
    } else if (message.type === 'dtmf') {
      const bridged = sim.channels().filter((channel) => channel.bridgedTo !== undefined);
      const count = Math.round(bridged.length * message.fraction);
      let sent = 0;
      for (let i = 0; i < count; i += 1) {
        const channel = bridged[Math.floor(Math.random() * bridged.length)]!;
        if (sim.sendDtmf(channel.uuid, message.digits)) sent += 1;
      }
      reply({ type: 'done', sent });
    } else {
      // CPU first: views of thousands of channels are the stats' own cost, not the calls'.
      const cpu = process.cpuUsage();
      const channels = sim.channels();
      reply({ type: 'done', channels: channels.length, bridged: channels.filter((channel) => channel.bridgedTo !== undefined).length, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
  });
  process.on('disconnect', () => void sim.stop().then(() => process.exit(0)));
  reply({ type: 'ready', port: sim.eslPort });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
