import type { SwitchCore } from './core';
import type { Session } from './session';

/** `bind_meta_app KEY LISTEN RESPOND APP[::ARGS]`. */
export interface MetaBinding {
  readonly key: string;
  /** a = digits from this leg, b = digits from its bridged peer. */
  readonly listen: string;
  /** a = this leg, b = the peer, s = the leg that pressed, o = the other one. */
  readonly respond: string;
  readonly app: string;
  readonly arg: string;
}

const META_KEY = '*';

/**
 * One key press on a leg: bind_meta_app may swallow it (no event, no forwarding, capture 06c);
 * otherwise it fires DTMF on that leg and, while bridged, is forwarded to the peer's phone unless
 * `bridge_filter_dtmf` is set (06, 06b); unbridged, it goes to whatever application reads digits.
 */
export function pressDigit(core: SwitchCore, session: Session, digit: string): void {
  const channel = session.channel;
  // No media path before answer or early media: the digit never reaches the switch.
  if (!channel.up || channel.answerState === 'ringing') return;
  channel.dtmfPressed.push(digit);
  if (consumedByMetaApp(core, session, digit)) return;
  core.emit('DTMF', channel, { 'DTMF-Digit': digit, 'DTMF-Duration': 2080, 'DTMF-Source': 'RTP' });
  if (session.xfer && attXferKey(core, session, digit)) return;
  const link = core.bridgeOf(channel.uuid);
  if (link) {
    if (!channel.isTrue('bridge_filter_dtmf')) core.sendDigitsToPhone(link.a === channel ? link.b : link.a, digit);
    return;
  }
  session.pushDigit(digit);
}

function consumedByMetaApp(core: SwitchCore, session: Session, digit: string): boolean {
  const link = core.bridgeOf(session.channel.uuid);
  const peerUuid = link ? (link.a === session.channel ? link.b.uuid : link.a.uuid) : undefined;
  const peer = peerUuid === undefined ? undefined : core.session(peerUuid);
  const candidates = [
    ...session.metaBindings.filter((b) => b.listen.includes('a')).map((binding) => ({ binding, owner: session, other: peer })),
    ...(peer?.metaBindings.filter((b) => b.listen.includes('b')).map((binding) => ({ binding, owner: peer, other: session })) ?? []),
  ];
  if (candidates.length === 0) return false;
  if (!session.metaArmed) {
    if (digit !== META_KEY) return false;
    session.metaArmed = true;
    return true;
  }
  session.metaArmed = false;
  // Pressing the meta key twice sends a literal meta key (ESL-NOTES §5).
  if (digit === META_KEY) return false;
  const hit = candidates.find((c) => c.binding.key === digit);
  if (!hit) return false;
  const respond = hit.binding.respond;
  const target =
    respond.includes('b') ? hit.other : respond.includes('o') ? (hit.owner === session ? hit.other : hit.owner) : respond.includes('s') ? session : hit.owner;
  target?.enqueue({ kind: 'execute', app: hit.binding.app, arg: hit.binding.arg, holdsPeer: true });
  return true;
}

/**
 * att_xfer's DTMF callback on the consulting leg (mod_dptools `xfer_on_dtmf`): the cancel key
 * hangs up the third party (the leg goes back to the held one), the hangup key hangs up the
 * consulting leg itself (the third party and the held leg are then connected); neither is
 * forwarded. The conference key (three-way) is not simulated: it is logged and dropped.
 */
function attXferKey(core: SwitchCore, session: Session, digit: string): boolean {
  const xfer = session.xfer;
  if (!xfer) return false;
  if (digit === xfer.cancel) core.hangup(xfer.peer, 'NORMAL_CLEARING');
  else if (digit === xfer.hangup) core.hangup(session.channel, 'ATTENDED_TRANSFER');
  else if (digit === xfer.conference) core.logger.warn(`simulator: att_xfer conference key on ${session.channel.uuid} is not simulated`);
  else return false;
  return true;
}
