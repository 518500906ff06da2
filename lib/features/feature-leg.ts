import { randomUUID } from 'node:crypto';
import { isE164, type E164 } from '../domain/phone-number';
import { gatewayDialString, type OriginateRequest } from '../esl/dial-string';
import type { HangupCause } from '../esl/hangup-causes';
import { auditRefusal } from '../callback/engine/audit-refusal';
import { callerIdsForRequest } from '../callback/engine/caller-ids';
import { carrierFields, legVariables, type CarrierFields } from '../callback/engine/dial-steps';
import { sentCallerId } from '../routing/carrier-dial';
import type { Talk } from '../callback/engine/flow';
import { Funds, isRefusal, type Refusal } from '../callback/engine/funds';
import { LiveLeg } from '../callback/engine/live-leg';
import type { Settlement } from '../callback/engine/settlement';

/**
 * A leg an in-call feature adds to a talk (role C: D1's third party, D6's conference member).
 * It is the same kind of leg as B, with the same guarantees:
 *
 * - `openFeatureLeg` checks the number (E.164, and B's destination policy: the payer's retail
 *   tariff must have it), prices it against the request's payer like B, holds what it may cost
 *   (`Funds.holdForFeatureLeg`: the longest call the payer's balance left after A's and B's
 *   holds pays for), and writes its `legs` row (state `dialing`) BEFORE anything is dialed.
 * - The feature dials it with `dialString()`, which carries `origination_uuid`, so every event
 *   of the channel finds the row; then calls `follow()`.
 * - `follow()` marks the row ringing / answered / bridged, leaves the C6 stop with FreeSWITCH
 *   at the answer (`sched_hangup` after `limitSeconds`), and settles the leg at its end: CDR,
 *   charge against its hold, final row, once (settlement.ts is exactly-once per leg).
 * - The leg is registered with the request (`talk.addLeg`): if the request ends or is
 *   abandoned while it is still up, the runner hangs it up and settles it.
 *
 * A refusal (bad number, not in the tariff, no funds) is audited like B's and returned; nothing
 * was written or held then.
 */
export class FeatureLeg {
  private following: Promise<Settlement> | undefined;

  private constructor(
    private readonly talk: Talk,
    /** The leg (row, signals, control, settlement). */
    readonly leg: LiveLeg,
    /** The third party's number (a feature's leg is never an extension). */
    readonly number: E164,
    /** Its carrier and that carrier's gateway on A's node (one try: a feature's leg does not fail over). */
    private readonly via: CarrierFields,
    /** C6 for this leg: how long it may talk on what was held for it. */
    readonly limitSeconds: number,
  ) {}

  /** See the class comment. `attempt` is the request's current attempt. */
  static async open(talk: Talk, number: string): Promise<FeatureLeg | Refusal> {
    const { ctx, request } = talk;
    if (!isE164(number)) return refuse(talk, { refused: 'destination_not_in_tariff', details: { reason: 'not_e164' } }, number);
    const funds = new Funds(ctx);
    const pricing = await funds.priceLegB(request, number);
    if (isRefusal(pricing)) return refuse(talk, pricing, number);
    const ids = await callerIdsForRequest(ctx, request, number);
    // It is dialed from A's channel (att_xfer, conference): it lives on A's node, through a carrier with a gateway there.
    const node = talk.legA.node ?? ctx.callbackNodes[0];
    const tries = await ctx.router.plan({ number, callerId: ids.legB.number, sellRate: pricing.rate, nodes: node === undefined ? [] : [node], choice: ctx.route }, talk.log);
    const via = await tries.next();
    if (!via || node === undefined) return refuse(talk, { refused: 'destination_not_in_tariff', details: { reason: 'no_carrier', cause: tries.noCarrierCause } }, number);
    const uuid = randomUUID();
    // Bounded by the talk: one that ended while the hold waited for the database gets no third party.
    const held = await funds.holdForFeatureLeg(request, { uuid, pricing }, talk.ended);
    if (isRefusal(held)) {
      via.slot.release();
      return refuse(talk, held, number);
    }
    const leg = await LiveLeg.open(ctx, request.id, {
      uuid,
      role: 'C',
      attempt: Math.max(1, request.attempts),
      number,
      callerId: sentCallerId(via.callerId),
      pricing,
      hold: held.hold,
      carrierId: via.carrier.id,
      carrierSlot: via.slot,
    });
    leg.node = node;
    talk.addLeg(leg);
    return new FeatureLeg(talk, leg, number, carrierFields(via, node), held.limitSeconds);
  }

  get uuid(): string {
    return this.leg.uuid;
  }

  /** `{origination_uuid=…,caller ID,ring time,callback_*}sofia/gateway/GW/NUMBER`, for att_xfer, bridge or a conference dial. */
  dialString(variables: Record<string, string> = {}): string {
    const { ctx } = this.talk;
    return gatewayDialString({
      gateway: this.via.gateway,
      number: this.via.number,
      uuid: this.leg.uuid,
      callerIdNumber: this.via.callerIdNumber,
      timeoutSec: ctx.settings.waitTimeSeconds,
      variables: { ...legVariables(this.talk, this.leg), ...this.via.variables, ...variables },
    });
  }

  /** `bgapi originate` fields for the same leg (a conference dials it parked). */
  originateRequest(): OriginateRequest {
    const { ctx } = this.talk;
    const request: OriginateRequest = {
      uuid: this.leg.uuid,
      gateway: this.via.gateway,
      number: this.via.number,
      timeoutSec: ctx.settings.waitTimeSeconds,
      socket: 'park',
      variables: { ...legVariables(this.talk, this.leg), ...this.via.variables },
    };
    return this.via.callerIdNumber === undefined ? request : { ...request, callerIdNumber: this.via.callerIdNumber };
  }

  /**
   * Follows the dialed channel until it ends and settles it; the same promise for every caller.
   * `answered` resolves true when it answered, false when it ended (or `failed`) before.
   */
  follow(): { readonly answered: Promise<boolean>; readonly settled: Promise<Settlement> } {
    const { leg } = this;
    const answered = Promise.race([leg.signals.answered.promise.then(() => true), leg.signals.hangup.promise.then(() => false)]);
    this.following ??= this.track(answered);
    return { answered, settled: this.following };
  }

  /**
   * The feature learned the leg will never exist or never answer without its channel saying so
   * (an originate that failed before a channel was made): it is settled unanswered with `cause`.
   */
  failed(cause: HangupCause): Promise<Settlement> {
    this.leg.failureCause ??= cause;
    this.leg.signals.hangup.resolve(cause);
    return this.follow().settled;
  }

  private async track(answered: Promise<boolean>): Promise<Settlement> {
    const { leg } = this;
    const { ctx } = this.talk;
    void leg.signals.progress.promise.then(() => leg.mark('ringing'));
    if (await answered) {
      leg.mayBeUp = true;
      await leg.mark('answered');
      void leg.signals.bridged.promise.then(() => leg.mark('bridged'));
      const answeredAt = leg.answeredAt ?? ctx.clock.now();
      await leg.control.hangupAt(answeredAt + this.limitSeconds * 1000, 'ALLOTTED_TIMEOUT').catch((error: unknown) => leg.log.warn('could not leave the stop with FreeSWITCH', { error: String(error) }));
      leg.log.info('feature leg answered', { limitSeconds: this.limitSeconds });
    }
    await leg.signals.hangup.promise;
    return leg.settle();
  }
}

/** `FeatureLeg.open`, as a function. */
export const openFeatureLeg = (talk: Talk, number: string): Promise<FeatureLeg | Refusal> => FeatureLeg.open(talk, number);

/** A5: audited like any refusal, as leg C. */
async function refuse(talk: Talk, refusal: Refusal, number: string): Promise<Refusal> {
  await auditRefusal(talk.ctx, talk.request, talk.log, refusal, { destination: number, role: 'C' });
  return refusal;
}
