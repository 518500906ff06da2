import { parseSocketArg } from '../dial-string';
import { connectTcp } from '../net-util';
import { OutboundSocket } from '../outbound-socket';
import { parkLoop } from './park';
import type { Application } from './types';

/**
 * `socket host:port [async] [full]`: connect to the controller, wait for its `connect`, then
 * park (async) and serve its messages until the leg hangs up or the controller goes away. A
 * vanished controller ends a parked leg at once (08a) but not a bridge in progress (08b).
 */
export const socket: Application = {
  names: ['socket'],
  async run(ctx) {
    const { core, session, channel, arg } = ctx;
    const target = parseSocketArg(arg);
    if (!target.ok) {
      core.logger.warn(`simulator: socket application: ${target.error}`);
      return;
    }
    channel.setVar('socket_host', target.value.host);
    if (session.farEnd?.socketLost) {
      // The connect blocks until the leg is hung up (the far end, or the controller giving it up).
      await session.wait({});
      return;
    }
    const tcp = session.preconnected ?? (await connectTcp(target.value.host, target.value.port));
    session.preconnected = undefined;
    if (!tcp) {
      core.logger.warn(`simulator: socket application: cannot connect to ${target.value.host}:${target.value.port}`);
      return;
    }
    const controller = new OutboundSocket(core, tcp, session, { async: target.value.async, full: target.value.full });
    session.controller = controller;
    const reason = await session.wait({ until: () => controller.ready || controller.gone, hangupMessages: false });
    if (reason !== 'signal' || controller.gone) return;
    await parkLoop(ctx, { events: target.value.async, until: () => controller.gone });
    controller.parkEnded();
  },
};
