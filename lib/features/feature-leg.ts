import { randomUUID } from 'node:crypto';
import { isE164, type E164 } from '../domain/phone-number';
import { gatewayDialString, type OriginateRequest } from '../esl/dial-string';
import type { HangupCause } from '../esl/hangup-causes';
import { auditRefusal } from '../callback/engine/audit-refusal';
import { callerIdsForRequest } from '../callback/engine/caller-ids';
import { openCarrierTry, openNextTry, throughCarriers, type TrySpec } from '../callback/engine/carrier-tries';
import { carrierFields, legVariables, type CarrierFields } from '../callback/engine/dial-steps';
import type { LegTry, Talk, TryOwner } from '../callback/engine/flow';
import { Funds, isRefusal, type Refusal } from '../callback/engine/funds';
import type { LegOutcome } from '../callback/engine/leg-waiter';
import type { LiveLeg } from '../callback/engine/live-leg';
import type { Settlement } from '../callback/engine/settlement';
import type { CarrierDial } from '../routing/leg-router';

/**
 * A leg an in-call feature adds to a talk (role C: D1's third party, D6's conference member).
 * It is the same kind of leg as B, with the same guarantees:
 *
 * - `openFeatureLeg` checks the number (E.164, and B's destination policy: the payer's retail
 *   tariff must have it), prices it against the request's payer like B, routes it through the
 *   carriers with a gateway on A's node, holds what it may cost (`Funds.holdForFeatureLeg`: the
 *   longest call the payer's balance left after A's and B's holds pays for), and writes the
 *   first try's `legs` row (state `dialing`) BEFORE anything is dialed.
 * - The feature dials it with `dial()`, giving how one try is dialed (`dialString()` or
 *   `originateRequest()` carry `origination_uuid`, so every event of the channel finds the row).
 *   Like B (carrier-tries.ts), a try that fails with a route cause is followed by the next
 *   carrier's, its own row, the hold moved to it, the failed one settled unanswered; a
 *   subscriber's cause (busy, no answer) is C's.
 * - The last try is followed: its row marked ringing / answered / bridged, the C6 stop left
 *   with FreeSWITCH at the answer (`sched_hangup` after `limitSeconds`), and settled at its
 *   end: CDR, charge against its hold, final row, once (settlement.ts is exactly-once per leg).
 * - Every try is registered with the request (`talk.addLeg`): if the request ends or is
 *   abandoned while it is still up, the runner hangs it up and settles it.
 *
 * A refusal (bad number, not in the tariff, no carrier, no funds) is audited like B's and
 * returned; nothing was written or held then.
 */
export class FeatureLeg implements TryOwner {
  private following: Promise<Settlement> | undefined;
  /** The try being dialed (or the last one): its row and carrier. */
  private current: LegTry;
  /** The current try's carrier: its gateway on A's node, the number and caller ID as it wants them. */
  private via: CarrierFields;

  private constructor(
    private readonly talk: Talk,
    first: LegTry & { readonly via: CarrierDial },
    /** A's node: C is dialed from A's channel (att_xfer, conference). */
    private readonly node: string,
    /** The third party's number (a feature's leg is never an extension). */
    readonly number: E164,
    /** C6 for this leg: how long it may talk on what was held for it. */
    readonly limitSeconds: number,
  ) {
    this.current = first;
    this.via = carrierFields(first.via, node);
  }

  /** See the class comment. `attempt` is the request's current attempt. */
  static async open(talk: Talk, number: string): Promise<FeatureLeg | Refusal> {
    const { ctx, request } = talk;
    if (!isE164(number)) return refuse(talk, { refused: 'destination_not_in_tariff', details: { reason: 'not_e164' } }, number);
    const funds = new Funds(ctx);
    const pricing = await funds.priceLegB(request, number);
    if (isRefusal(pricing)) return refuse(talk, pricing, number);
    const ids = await callerIdsForRequest(ctx, request, number);
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
    const spec: TrySpec = { uuid, role: 'C', attempt: Math.max(1, request.attempts), number, callerId: ids.legB.number, pricing, hold: held.hold };
    const leg = await openTry(talk, node, spec, via);
    return new FeatureLeg(talk, { leg, via, tries }, node, number, held.limitSeconds);
  }

  /** The current try's leg (row, signals, control, settlement). */
  get leg(): LiveLeg {
    return this.current.leg;
  }

  get uuid(): string {
    return this.leg.uuid;
  }

  /** `{origination_uuid=…,caller ID,ring time,callback_*}sofia/gateway/GW/NUMBER` of the current try, for att_xfer or bridge. */
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

  /** `bgapi originate` fields of the current try (a conference dials it parked). */
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
   * Dials C through its carriers: `dialOnce` dials the current try and says how it went
   * (undefined: A went away meanwhile). Then follows the last try until it ends and settles it;
   * a try that failed before a channel was made is settled unanswered with its cause.
   * `answered`: whether a try answered; `settled`: the last try's settlement.
   */
  async dial(dialOnce: () => Promise<LegOutcome | undefined>): Promise<{ readonly answered: boolean; readonly settled: Promise<Settlement> }> {
    const tried = await throughCarriers(this, this.current, () => {
      const { leg } = this;
      void leg.signals.progress.promise.then(() => leg.mark('ringing'));
      return dialOnce();
    });
    if (tried?.outcome.kind === 'failed') {
      const { cause, orphan } = tried.outcome;
      // Unknown whether the channel exists: settling it hangs it up if it is still there.
      if (orphan) this.leg.mayBeUp = true;
      this.leg.failureCause ??= cause;
      this.leg.signals.hangup.resolve(cause);
    }
    return this.follow();
  }

  /** TryOwner: the next carrier's try after a route cause, unless the talk is over. */
  async nextTry(failed: LegTry, cause: HangupCause): Promise<LegTry | undefined> {
    if (this.talk.ended.aborted) return undefined;
    const next = await openNextTry(this.talk.ctx, failed, cause, (spec, via) => openTry(this.talk, this.node, spec, via));
    if (!next?.via) return undefined;
    this.current = next;
    this.via = carrierFields(next.via, this.node);
    this.talk.ctx.work.track(failed.leg.settle());
    return next;
  }

  /** Follows the current try until it ends and settles it; resolves once it answered (true) or ended before (false). */
  private async follow(): Promise<{ readonly answered: boolean; readonly settled: Promise<Settlement> }> {
    const { leg } = this;
    const answered = Promise.race([leg.signals.answered.promise.then(() => true), leg.signals.hangup.promise.then(() => false)]);
    this.following ??= this.track(answered);
    return { answered: await answered, settled: this.following };
  }

  private async track(answered: Promise<boolean>): Promise<Settlement> {
    const { leg } = this;
    const { ctx } = this.talk;
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

/** A try's row, on A's node, registered with the request so that it ends and is settled with it. */
async function openTry(talk: Talk, node: string, spec: TrySpec, via: CarrierDial): Promise<LiveLeg> {
  const leg = await openCarrierTry(talk.ctx, talk.request.id, spec, via);
  leg.node = node;
  talk.addLeg(leg);
  return leg;
}

/** `FeatureLeg.open`, as a function. */
export const openFeatureLeg = (talk: Talk, number: string): Promise<FeatureLeg | Refusal> => FeatureLeg.open(talk, number);

/** A5: audited like any refusal, as leg C. */
async function refuse(talk: Talk, refusal: Refusal, number: string): Promise<Refusal> {
  await auditRefusal(talk.ctx, talk.request, talk.log, refusal, { destination: number, role: 'C' });
  return refusal;
}
