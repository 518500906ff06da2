import type { E164 } from '../../domain/phone-number';
import type { CallLeg } from '../state/request-events';
import type { CarrierDial } from '../../routing/leg-router';
import { carrierFields, followProgress, originateRequest, reportOutcome } from './dial-steps';
import { throughCarriers } from './carrier-tries';
import type { FlowHost, ModeFlow } from './flow';
import type { LegOutcome } from './leg-waiter';
import type { LiveLeg } from './live-leg';

/**
 * C5: both legs are originated at once and parked on the same node; when both have answered
 * they are joined with `uuid_bridge` (capture 09: `+OK <B>`). Neither leg is under a socket, so
 * everything else goes through the node's API (ApiControl).
 */
export class SimultaneousFlow implements ModeFlow {
  /** uuid_bridge cannot join legs on two nodes, so the first leg's node takes the second too. */
  private node: string | undefined;

  constructor(private readonly host: FlowHost) {}

  dialA(): Promise<void> {
    return this.dialParked('A', this.host.request.source);
  }

  dialB(number: E164): Promise<void> {
    return this.dialParked('B', number);
  }

  async connect(): Promise<void> {
    const { legA: a, legB: b, ctx, log } = this.host;
    if (!a || !b) return;
    try {
      await ctx.telephony.api(this.node, `uuid_bridge ${a.uuid} ${b.uuid}`);
    } catch (error) {
      // One of them left in the meantime: its hangup is on its way and ends the request.
      log.warn('uuid_bridge failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async dialParked(role: CallLeg, number: E164): Promise<void> {
    const { ctx } = this.host;
    // Once one leg has its node, the other may only use carriers with a gateway there.
    const first = await this.host.openLeg(role, number, this.node === undefined ? ctx.callbackNodes : [this.node]);
    if (!first) return;
    this.host.detach(
      (async () => {
        const tried = await throughCarriers(this.host, first, (attempt, via) => this.tryParked(attempt.leg, via));
        if (tried) await reportOutcome(this.host, tried.attempt.leg, tried.outcome);
      })(),
    );
  }

  private async tryParked(leg: LiveLeg, via: CarrierDial): Promise<LegOutcome> {
    const { ctx } = this.host;
    // Picking a node can fail (every node full): that is this try's originate failing.
    const originate = Promise.resolve().then(() => {
      // The first leg's node must have room for the second leg too.
      this.node ??= ctx.telephony.pickNode(2, [...via.gateways.keys()]);
      leg.node = this.node;
      return ctx.telephony.originate(originateRequest(this.host, leg, carrierFields(via, this.node), 'park'), { node: this.node });
    });
    followProgress(this.host, leg);
    return ctx.waiter.parkedLeg(originate, leg.signals, ctx.settings.waitTimeSeconds * 1000);
  }
}
