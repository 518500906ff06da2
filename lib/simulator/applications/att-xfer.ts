import { markTransfer, uuidBridge } from '../api-transfer';
import type { Channel } from '../channel';
import { dialLeg } from './bridge';
import type { Application } from './types';

/** A key variable's first character, or FreeSWITCH's default (mod_dptools reads only the first). */
function keyOf(channel: Channel, name: string, fallback: string): string {
  return (channel.getVar(name) ?? '').charAt(0) || fallback;
}

/**
 * `att_xfer <dialstring>` (mod_dptools, ESL-NOTES §5, captures 12d / 12d2). Run on A while A is
 * bridged to B (a bridge without event-lock serves it inside the bridge):
 *
 * - the third party C is originated with A as originator; if that fails (busy, no answer), the
 *   application returns and A's bridge to B simply goes on;
 * - C answered: CHANNEL_BRIDGE A–C while the A–B bridge still exists, B suspended (12d2);
 *   A's keys go to att_xfer's callback (`attxfer_cancel_key` `#`: hang up C;
 *   `attxfer_hangup_key` `*`: hang up A; `attxfer_conf_key` `0`: not simulated), not to C;
 * - C ends: C's HANGUP_COMPLETE, UNBRIDGE A–C, EXECUTE_COMPLETE att_xfer, then a `uuid_bridge`
 *   A–B, which ends A's bridge and socket applications (EXECUTE_COMPLETE socket): the outbound
 *   connection stays and keeps A's events, and B hanging up now ends A too (12d2);
 * - A ends while C is up: C takes A's place, `uuid_bridge` C–B; with B gone too, C is hung up.
 *
 * What the held B hears is not in the captures: the simulator plays it nothing (silence).
 */
export const attXfer: Application = {
  names: ['att_xfer'],
  async run(ctx) {
    const { core, session, channel } = ctx;
    const held = core.bridgeOf(channel.uuid);
    const bond = held && held.kind !== 'xfer' ? (held.a === channel ? held.b : held.a) : undefined;
    const result = await dialLeg(ctx, ctx.arg);
    if (result === 'interrupted') return;
    if (!result.ok) {
      channel.setVar('originate_disposition', result.cause);
      return;
    }
    const peer = result.session.channel;
    peer.state = 'CS_EXCHANGE_MEDIA';
    peer.stateNumber = 5;
    const link = core.bridge(channel, peer, 'xfer');
    result.session.teardownHooks.push(() => session.poke());
    session.xfer = {
      peer,
      cancel: keyOf(channel, 'attxfer_cancel_key', '#'),
      hangup: keyOf(channel, 'attxfer_hangup_key', '*'),
      conference: keyOf(channel, 'attxfer_conf_key', '0'),
    };
    await session.wait({ until: () => !peer.up });
    session.xfer = undefined;
    // The third party's HANGUP_COMPLETE comes before A's UNBRIDGE (12d2).
    if (channel.up && !peer.up) await session.wait({ until: () => core.session(peer.uuid) === undefined });
    core.endBridge(link);
    if (!channel.up) {
      if (peer.up && bond?.up) core.after(0, () => void uuidBridge(core, peer.uuid, bond.uuid));
      else if (peer.up) core.hangup(peer, 'NORMAL_CLEARING');
      return;
    }
    if (!bond?.up) return;
    // FreeSWITCH's uuid_bridge marks A before att_xfer's EXECUTE_COMPLETE goes out, and B's
    // snapshot of A is from before that mark (12d2).
    core.linkOtherLegs(channel, bond);
    markTransfer(core, channel, `uuid_br:${bond.uuid}`);
    core.after(0, () => void uuidBridge(core, channel.uuid, bond.uuid, { otherLegsTaken: true }));
  },
};
