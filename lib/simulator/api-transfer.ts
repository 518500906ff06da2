import { randomUUID } from 'node:crypto';
import type { Channel } from './channel';
import type { SwitchCore } from './core';
import { splitArgs } from './dial-string';
import { UUID_BRIDGE_EXECUTE_ORIGINS } from './event-templates';
import { HOLD, type PlanStep } from './session';

/**
 * `uuid_bridge <a> <b>` → `+OK <b>`. Both legs leave what they run (UNPARK, EXECUTE_COMPLETE
 * park or socket), get a `uuid_bridge` EXECUTE that never completes, and A one CHANNEL_BRIDGE
 * (capture 09). The socket connection of a controlled leg stays open (capture 12d2).
 */
export async function uuidBridgeApi(core: SwitchCore, args: string): Promise<string> {
  const [first = '', second = ''] = splitArgs(args);
  return uuidBridge(core, first, second);
}

/**
 * `uuid_bridge` itself. `otherLegsTaken`: the caller (att_xfer) took the legs' Other-Leg
 * snapshots already, before it marked the transfer (12d2).
 */
export async function uuidBridge(core: SwitchCore, first: string, second: string, options: { otherLegsTaken?: boolean } = {}): Promise<string> {
  const a = core.session(first);
  const b = core.session(second);
  if (!a || !b || a === b) return '-ERR Invalid uuid\n';
  core.releaseFromBridge(a.channel);
  core.releaseFromBridge(b.channel);
  if (!options.otherLegsTaken) core.linkOtherLegs(a.channel, b.channel);
  markTransfer(core, a.channel, `uuid_br:${b.channel.uuid}`);
  markTransfer(core, b.channel, `uuid_br:${a.channel.uuid}`);
  await a.transferTo([HOLD]);
  await b.transferTo([HOLD]);
  if (!a.channel.up || !b.channel.up) return `+OK ${second}\n`;
  const legs = [
    [a, b],
    [b, a],
  ] as const;
  legs.forEach(([leg, peer], i) => {
    // Each leg is reset and soft-executes the bridge: two CHANNEL_STATEs before its EXECUTE (12d2).
    leg.channel.state = 'CS_RESET';
    leg.channel.stateNumber = 9;
    core.emit('CHANNEL_STATE', leg.channel);
    leg.channel.state = 'CS_SOFT_EXECUTE';
    leg.channel.stateNumber = 3;
    core.emit('CHANNEL_STATE', leg.channel);
    const values = { Application: 'uuid_bridge', 'Application-Data': peer.channel.uuid };
    core.emit('CHANNEL_EXECUTE', leg.channel, values, { origin: UUID_BRIDGE_EXECUTE_ORIGINS[i] });
  });
  core.bridge(a.channel, b.channel, 'signal');
  // A's soft-execute runs the bridge, which moves B into CS_EXCHANGE_MEDIA (09, 12d2).
  if (b.channel.up) {
    b.channel.state = 'CS_EXCHANGE_MEDIA';
    b.channel.stateNumber = 5;
    core.emit('CHANNEL_STATE', b.channel);
  }
  return `+OK ${second}\n`;
}

/** Caller-Transfer-Source as FreeSWITCH writes it: `<epoch>:<uuid>:<how>:<where>` (captures 09, 12c). */
export function markTransfer(core: SwitchCore, channel: Channel, how: string): void {
  channel.times.transfer = core.now();
  channel.profile['Transfer-Source'] = `${Math.floor(core.now() / 1000)}:${randomUUID()}:${how}`;
}

/** `app:arg,app:arg` of an inline transfer. */
function inlinePlan(dest: string): PlanStep[] {
  return dest
    .split(',')
    .filter((part) => part !== '')
    .map((part) => {
      const colon = part.indexOf(':');
      return colon < 0 ? { app: part, arg: '' } : { app: part.slice(0, colon), arg: part.slice(colon + 1) };
    });
}

/**
 * `uuid_transfer <uuid> [-bleg|-both] <dest> [dialplan] [context]`. Inline destinations run
 * their applications, then the leg hangs up (capture 12c); the simulator has no dialplan, so
 * any other destination parks the leg.
 */
export async function uuidTransferApi(core: SwitchCore, args: string): Promise<string> {
  const words = splitArgs(args);
  const [uuid = ''] = words;
  const session = core.session(uuid);
  if (!session) return '-ERR No such channel!\n';
  const flag = words[1] === '-bleg' || words[1] === '-both' ? words[1] : undefined;
  const [dest = '', dialplan = 'XML', context] = words.slice(flag ? 2 : 1);
  if (dest === '') return '-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n';
  const plan = dialplan === 'inline' ? inlinePlan(dest) : [{ app: 'park', arg: '' }];
  const peer = session.channel.bridgedTo === undefined ? undefined : core.session(session.channel.bridgedTo);
  const targets = flag === '-both' ? [session, peer] : flag === '-bleg' ? [peer] : [session];
  for (const target of targets) {
    if (!target) continue;
    const entering = transferProfile(core, target.channel, { dest, dialplan, context: context ?? target.channel.profile.Context ?? 'default' });
    core.releaseFromBridge(target.channel);
    void target.transferTo(plan, entering);
  }
  return '+OK\n';
}

/**
 * switch_ivr_session_transfer: the leg's profile names the new extension (Caller-Dialplan,
 * Destination-Number, Context; the old destination as Caller-RDNIS) and it is no one's other leg
 * any more, from its CHANNEL_UNBRIDGE on (12c; the peer keeps its Other-Leg-*, 12c2). Returns
 * what happens as the leg enters the dialplan: CHANNEL_STATE CS_ROUTING, then CS_EXECUTE, by
 * which the inline dialplan has put the original destination back and dropped the RDNIS (12c).
 */
function transferProfile(core: SwitchCore, channel: Channel, to: { dest: string; dialplan: string; context: string }): () => void {
  markTransfer(core, channel, `bl_xfer:${to.dest}/${to.context}/${to.dialplan}`);
  const profile = channel.profile;
  const destination = profile['Destination-Number'];
  Object.assign(profile, { Dialplan: to.dialplan, 'Destination-Number': to.dest, Context: to.context, RDNIS: destination });
  channel.other = undefined;
  return () => {
    if (!channel.up) return;
    channel.state = 'CS_ROUTING';
    channel.stateNumber = 2;
    core.emit('CHANNEL_STATE', channel);
    if (to.dialplan === 'inline') {
      profile['Destination-Number'] = destination;
      delete profile.RDNIS;
    }
    channel.state = 'CS_EXECUTE';
    channel.stateNumber = 4;
    core.emit('CHANNEL_STATE', channel);
  };
}
