import type { E164 } from '../../domain/phone-number';
import type { BridgeResult, CallSession } from '../../esl/call-session';
import type { ExtensionEndpoint } from '../../domain/call-endpoint';
import { gatewayDialString, type OriginateRequest } from '../../esl/dial-string';
import { CallEnded } from '../../esl/errors';
import { within } from './latch';
import type { CarrierDial } from '../../routing/leg-router';
import { carrierFields, extensionOriginateRequest, followProgress, legVariables, originateRequest, reportOutcome } from './dial-steps';
import { throughCarriers } from './carrier-tries';
import type { FlowHost, LegTry, ModeFlow } from './flow';
import { SessionControl } from './leg-control';
import { answeredAtOf } from './leg-events';
import type { LegOutcome } from './leg-waiter';
import type { LiveLeg } from './live-leg';
import { legExists } from './leg-probe';
import { requestData } from './request-data';

type BridgeEnd = { readonly kind: 'done'; readonly result: BridgeResult } | { readonly kind: 'a_gone' };

/** A stays ours after B leaves (prompts, the C4 loop) and after B fails (Busy/Failed IVR). */
const A_VARIABLES = { hangup_after_bridge: false, continue_on_fail: true };

/** How long B's own hangup may lag the end of the bridge on A's socket before the bridge's word is taken. */
const BRIDGE_END_GRACE_MS = 2_000;

const bridgeDone = (result: BridgeResult): BridgeEnd => ({ kind: 'done', result });

/**
 * C1/C2/C3, source first: A is called back and put under our outbound socket; B is dialed from
 * A's session with FreeSWITCH's `bridge`, so A hears ringback while B rings and the two are
 * connected the moment B answers.
 */
export class SourceFirstFlow implements ModeFlow {
  constructor(private readonly host: FlowHost) {}

  async dialA(): Promise<void> {
    const { ctx, request } = this.host;
    const { extension } = requestData(request.data);
    if (extension) {
      const leg = await this.host.openExtensionLeg(extension);
      this.host.detach(this.followExtension(leg, extension));
      return;
    }
    const first = await this.host.openLeg('A', request.source, ctx.callbackNodes);
    if (!first) return;
    this.host.detach(this.followA(first));
  }

  async dialB(number: E164): Promise<void> {
    const { ctx } = this.host;
    const a = this.host.legA;
    const session = a?.control instanceof SessionControl ? a.control.session : undefined;
    if (!a || !session || a.node === undefined) {
      this.host.log.error('leg B requested without a controlled leg A');
      return;
    }
    const node = a.node;
    // B is bridged from A's channel: only carriers with a gateway on A's node can carry it.
    const first = await this.host.openLeg('B', number, [node]);
    if (!first) return;
    try {
      // What A hears while B rings is A's own variable; B's caller ID and ring time are B's (dial string).
      await session.setVariable('ringback', ctx.ringback);
      // In-call features read A's digits from this socket's DTMF events; B must not hear them (06b).
      if (ctx.onTalk) await session.setVariable('bridge_filter_dtmf', 'true');
    } catch (error) {
      if (!(error instanceof CallEnded)) throw error;
      // A left before B was dialed; A's hangup ends the request and B's row is settled unanswered.
      first.leg.node = node;
      first.leg.failureCause = 'ORIGINATOR_CANCEL';
      return;
    }
    this.host.detach(this.followB(first, session, node));
  }

  /** The bridge application connected A and B when B answered. */
  async connect(): Promise<void> {}

  /** A's answer is written with A's new hold, which its step makes before B is dialed (B3). */
  private async followA(first: LegTry): Promise<void> {
    const tried = await throughCarriers(this.host, first, (attempt, via) => this.tryA(attempt.leg, via));
    if (tried) await reportOutcome(this.host, tried.attempt.leg, tried.outcome, true);
  }

  /** A user on the node: one try, no carrier; retried per the policy like any leg A. */
  private async followExtension(leg: LiveLeg, extension: ExtensionEndpoint): Promise<void> {
    const { ctx } = this.host;
    const outcome = await this.answerOnSocket(leg, ctx.callbackNodes, () =>
      extensionOriginateRequest(this.host, leg, extension, ctx.telephony.socketAddress, A_VARIABLES),
    );
    await reportOutcome(this.host, leg, outcome);
  }

  /** One carrier try of A: originated to our outbound socket on a node where the carrier has a gateway. */
  private tryA(leg: LiveLeg, via: CarrierDial): Promise<LegOutcome> {
    const { ctx } = this.host;
    return this.answerOnSocket(leg, [...via.gateways.keys()], (node) => originateRequest(this.host, leg, carrierFields(via, node), ctx.telephony.socketAddress, A_VARIABLES));
  }

  /** Originates A on one of `nodes` to our outbound socket and waits for it to answer there. */
  private async answerOnSocket(leg: LiveLeg, nodes: readonly string[], request: (node: string) => OriginateRequest): Promise<LegOutcome> {
    const { ctx } = this.host;
    // Picking a node can fail (every node full): that is this try's originate failing.
    const choice = { among: nodes, pick: (open: readonly string[]) => ctx.telephony.pickNode(1, open) };
    const originate = (node: string, accepted: () => void): Promise<unknown> => {
      leg.node = node;
      return ctx.telephony.originate(request(node), { node, onAccepted: accepted });
    };
    followProgress(this.host, leg);
    const outcome = await ctx.waiter.socketLeg(leg.uuid, choice, originate, ctx.settings.waitTimeSeconds * 1000);
    if (outcome.kind === 'answered' && outcome.session) {
      const session = outcome.session;
      // The socket's copy of A's events: it may come before (or instead of) the inbound one.
      session.on('event', (event) => ctx.hub.offer(event));
      leg.signals.answered.resolve(answeredAtOf(session.channelData) ?? ctx.clock.now());
      leg.control = new SessionControl(session, () => leg.log);
    }
    return outcome;
  }

  /**
   * B's end normally comes from its node's event stream. Should that link be down (the node's
   * inbound connection dropped), the bridge application returning on A's own socket still says
   * the talk is over, so the request does not wait for a hangup that will never be reported.
   * Unless FreeSWITCH still has B: an in-call feature moved it out of the bridge (fax, conference).
   */
  private async talkEndFromBridge(leg: LiveLeg, end: BridgeEnd): Promise<void> {
    if (end.kind !== 'done' || leg.signals.hangup.done) return;
    const { clock } = this.host.ctx;
    const seenAt = clock.now();
    const cause = await within(clock, leg.signals.hangup.promise, BRIDGE_END_GRACE_MS);
    // A node that cannot be asked is the case this is for: B is billed up to now, not waited for.
    if (cause !== undefined || (await legExists(this.host.ctx, leg).catch(() => false))) return;
    leg.endedElsewhere(end.result.hangupCause ?? 'NORMAL_CLEARING', seenAt);
  }

  private async followB(first: LegTry, session: CallSession, node: string): Promise<void> {
    const tried = await throughCarriers(this.host, first, (attempt, via) => this.tryB(attempt.leg, via, session, node));
    if (tried) await reportOutcome(this.host, tried.attempt.leg, tried.outcome);
  }

  /**
   * One carrier try of B, bridged from A's session. B answered when FreeSWITCH reports the bridge
   * (CHANNEL_BRIDGE); B failed when it hangs up before that. A B that never became a channel (an
   * unknown gateway) shows only in the bridge's disposition. Undefined: A went away meanwhile;
   * A's hangup ends the request and FreeSWITCH cancels a ringing B itself (ORIGINATOR_CANCEL).
   */
  private async tryB(leg: LiveLeg, via: CarrierDial, session: CallSession, node: string): Promise<LegOutcome | undefined> {
    const { ctx } = this.host;
    leg.node = node;
    const fields = carrierFields(via, node);
    const dialString = gatewayDialString({
      gateway: fields.gateway,
      number: fields.number,
      uuid: leg.uuid,
      callerIdNumber: fields.callerIdNumber,
      timeoutSec: ctx.settings.waitTimeSeconds,
      variables: { ...legVariables(this.host, leg), ...fields.variables },
    });
    const bridge: Promise<BridgeEnd> = session.bridge(dialString).then(
      bridgeDone,
      (error: unknown) => {
        if (!(error instanceof CallEnded)) leg.log.error('bridge failed', { error: String(error) });
        return { kind: 'a_gone' };
      },
    );
    followProgress(this.host, leg);
    // Callbacks, not a race of promises: what loses the race stays registered for the whole talk.
    const first = await new Promise<'answered' | 'ended' | BridgeEnd['kind']>((settle) => {
      leg.signals.bridged.whenDone(() => settle('answered'));
      leg.signals.hangup.whenDone(() => settle('ended'));
      void bridge.then((end) => settle(end.kind));
    });
    if (first === 'answered') {
      // Continued from the bridge's end, not awaited: a suspended async function would keep its frame for the whole talk.
      this.host.detach(bridge.then((end) => this.talkEndFromBridge(leg, end)));
      return { kind: 'answered', session: undefined };
    }
    if (first === 'ended') return { kind: 'failed', cause: leg.signals.hangup.value ?? 'NORMAL_UNSPECIFIED', orphan: false };
    const end = await bridge;
    if (end.kind === 'a_gone') return undefined;
    const { clock, hangupCompleteWaitMs } = ctx;
    const cause = (await within(clock, leg.signals.hangup.promise, hangupCompleteWaitMs)) ?? end.result.hangupCause ?? 'NORMAL_TEMPORARY_FAILURE';
    return { kind: 'failed', cause, orphan: false };
  }
}
