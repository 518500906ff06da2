import type { HangupCause } from '../../esl/hangup-causes';
import { parseDialString } from '../dial-string';
import { originate, type OriginateResult } from '../originate';
import type { Session } from '../session';
import type { RaceOrders } from '../types';
import type { AppContext, Application } from './types';

const DIAL_STATUS: Partial<Record<HangupCause, string>> = {
  USER_BUSY: 'BUSY',
  NO_ANSWER: 'NOANSWER',
  NO_USER_RESPONSE: 'NOANSWER',
  ORIGINATOR_CANCEL: 'CANCEL',
  NORMAL_CIRCUIT_CONGESTION: 'CONGESTION',
};

/** Whether `continue_on_fail` (true, or a list of causes/codes) lets the leg survive this cause. */
function continuesOnFail(value: string | undefined, cause: HangupCause): boolean {
  if (value === undefined) return false;
  if (/^(true|yes|1)$/i.test(value)) return true;
  return value.split(',').some((c) => c.trim().toUpperCase() === cause);
}

/** Originates the leg a bridging application (bridge, att_xfer) connects to, while staying interruptible by a hangup or transfer of the originator. */
export async function dialLeg(ctx: AppContext, dial: string): Promise<OriginateResult | 'interrupted'> {
  const { core, session } = ctx;
  const target = parseDialString(dial);
  if (!target.ok) return { ok: false, cause: 'INVALID_URL' };
  let result: OriginateResult | undefined;
  const pending = originate(core, { target: target.value, originator: session });
  void pending.then((r) => {
    result = r;
    session.poke();
  });
  const reason = await session.wait({ until: () => result !== undefined });
  if (reason === 'signal' && result) return result;
  // A is gone or moved on: a B leg that answers anyway is not wanted.
  void pending.then((r) => {
    if (r.ok) core.hangup(r.session.channel, 'ORIGINATOR_CANCEL');
  });
  return 'interrupted';
}

/**
 * When A's bridge notices B leaving: at B's hangup, or once B is torn down (its
 * CHANNEL_HANGUP_COMPLETE out before A's CHANNEL_UNBRIDGE).
 */
function peerGoneFor(order: RaceOrders['bridgePeerLeaves'], b: Session, a: Session): () => boolean {
  if (order !== 'peer-hangup-complete-first') return () => !b.channel.up;
  b.teardownHooks.push(() => a.poke());
  return () => !b.channel.up && b.tornDown;
}

/**
 * `bridge <dialstring>`: B rings, answers, CHANNEL_BRIDGE on A; the application returns when B
 * leaves (CHANNEL_UNBRIDGE, bridge_hangup_cause; A stays unless hangup_after_bridge) or A does.
 * Without event-lock it serves queued messages inside the bridge (captures 12a2, 06c2).
 */
export const bridge: Application = {
  names: ['bridge'],
  async run(ctx) {
    const { core, session, channel } = ctx;
    const result = await dialLeg(ctx, ctx.arg);
    if (result === 'interrupted') return;
    if (!result.ok) {
      channel.setVar('originate_disposition', result.cause);
      channel.setVar('DIALSTATUS', DIAL_STATUS[result.cause] ?? result.cause);
      channel.setVar('originate_failed_cause', result.cause);
      if (!continuesOnFail(channel.getVar('continue_on_fail'), result.cause)) core.hangup(channel, result.cause);
      return;
    }
    const b = result.session.channel;
    b.state = 'CS_EXCHANGE_MEDIA';
    b.stateNumber = 5;
    if (!channel.answered) core.answer(channel);
    channel.setVar('originate_disposition', 'SUCCESS');
    channel.setVar('DIALSTATUS', 'SUCCESS');
    // A now shows whom it reached (capture 05: Callee-ID 1000 on A's CHANNEL_BRIDGE).
    channel.profile['Callee-ID-Name'] = b.profile['Callee-ID-Name'];
    channel.profile['Callee-ID-Number'] = b.profile['Callee-ID-Number'];
    channel.setVar('last_sent_callee_id_name', b.profile['Callee-ID-Name']);
    channel.setVar('last_sent_callee_id_number', b.profile['Callee-ID-Number']);
    const link = core.bridge(channel, b, 'app');
    const peerGone = peerGoneFor(core.config.races.bridgePeerLeaves, result.session, session);
    const reason = await session.serveMessages(() => link.ended || peerGone());
    if (reason === 'transfer' && b.up) {
      // A leaves for the rest of its dialplan (uuid_transfer, or resume after its socket died):
      // B is hung up and gone before A's bridge unwinds (captures 08c, 12c).
      core.hangup(b, 'NORMAL_CLEARING');
      core.teardown(b);
    }
    core.endBridge(link);
    if (!b.up && channel.up && channel.isTrue('hangup_after_bridge')) core.hangup(channel, b.hangupCause ?? 'NORMAL_CLEARING');
  },
};
