import type { ExtensionAddress } from '../../domain/call-endpoint';
import type { E164 } from '../../domain/phone-number';
import type { HangupCause } from '../../esl/hangup-causes';
import { callLogger, type Logger } from '../../log/logger';
import type { CarrierSlot } from '../../routing/carrier-limiter';
import { asLastStatement, inTransaction, type Store } from '../../store';
import { retryOnDeadlock } from '../../store/sql-errors';
import type { Leg, LegPatch, LegRole } from '../../store/legs';
import { canLegTransition, isLegState, type LegState } from '../state/leg-state';
import { liveStatusOf } from '../state/live-status';
import type { EngineContext } from './context';
import { isRefusal, type Hold, type HoldsWrite, type LegPricing, type PricedLeg, type Refusal } from './funds';
import { within } from './latch';
import { ApiControl, type LegControl } from './leg-control';
import type { LegEnd, LegSignals } from './leg-events';
import { settleLeg, type SettleInput, type Settlement } from './settlement';

export interface LegSpec {
  readonly uuid: string;
  /** A and B are the request's; C a leg an in-call feature added (lib/features/feature-leg.ts). */
  readonly role: LegRole;
  readonly attempt: number;
  /** E.164, or the user on the node for a call_extension leg A. */
  readonly number: E164 | ExtensionAddress;
  readonly callerId: E164 | undefined;
  readonly pricing: LegPricing | undefined;
  readonly hold: Hold | undefined;
  /** The carrier this try goes out through (issue #17); null: no carrier (none configured, or none could take it). */
  readonly carrierId: number | null;
  /** The carrier's channel this try holds: let go when the leg is over. */
  readonly carrierSlot?: CarrierSlot | undefined;
}

/**
 * One dialed leg while the engine drives it: its row (created in `dialing` before the originate
 * is sent), what FreeSWITCH says about it, how to control it, what it may cost, and its
 * settlement, which runs once whoever asks for it.
 */
export class LiveLeg {
  readonly uuid: string;
  readonly role: LegRole;
  readonly attempt: number;
  /** E.164, or the user on the node for a call_extension leg A. */
  readonly number: E164 | ExtensionAddress;
  readonly callerId: E164 | undefined;
  readonly carrierId: number | null;
  readonly signals: LegSignals;
  createdAt: number;
  pricing: LegPricing | undefined;
  hold: Hold | undefined;
  node: string | undefined;
  control: LegControl;
  state: LegState = 'dialing';
  answeredAt: number | null = null;
  /** The cause an originate failure reported, for a leg whose channel never reports its end. */
  failureCause: HangupCause | undefined;
  /** A channel may be up without us having seen it (orphaned originate): settle makes sure it is not. */
  mayBeUp = false;
  /** Set for an adopted leg FreeSWITCH no longer knows: it ended by then at the latest. */
  private goneBy: number | undefined;
  /** When another channel told us this leg ended (see endedElsewhere): where an estimate ends. */
  private endSeenAt: number | undefined;
  private settlement: Promise<Settlement> | undefined;
  /**
   * The row's updates, one after another in the order they were made: a mark nobody waits for
   * (B's answer, so that the bridge does not wait for the database) never lands after a later
   * one, and the settlement's final write comes after all of them.
   */
  private rowWrites: Promise<unknown> = Promise.resolve();
  /** The leg answered and its row does not say so yet: the next write of its row in the same step carries it (`answerWithTheNextWrite`). */
  private answerUnwritten = false;

  private constructor(
    private readonly ctx: EngineContext,
    readonly requestId: string,
    spec: LegSpec,
  ) {
    this.uuid = spec.uuid;
    this.role = spec.role;
    this.attempt = spec.attempt;
    this.number = spec.number;
    this.callerId = spec.callerId;
    this.carrierId = spec.carrierId;
    this.pricing = spec.pricing;
    this.hold = spec.hold;
    this.createdAt = ctx.clock.now();
    this.signals = ctx.hub.watch(spec.uuid);
    ctx.liveLegs.hold(this);
    this.control = new ApiControl(ctx.telephony, spec.uuid, () => this.node, () => this.log);
    if (spec.carrierSlot) this.keepChannel(spec.carrierSlot);
  }

  /** The carrier's channel this leg holds, let go when the leg hangs up. */
  keepChannel(slot: CarrierSlot): void {
    this.signals.hangup.whenDone(() => slot.release());
  }

  /**
   * A leg another (dead) instance was driving, from its row. `gone`: FreeSWITCH no longer knows
   * the channel, so its end will never be reported and is estimated as no later than `goneBy`.
   */
  static adopt(ctx: EngineContext, row: Leg, spec: { pricing: LegPricing | undefined; hold: Hold | undefined; gone: boolean; goneBy: number }): LiveLeg {
    const leg = new LiveLeg(ctx, row.requestId, {
      uuid: row.uuid,
      role: row.role,
      attempt: row.attempt,
      number: row.number as E164,
      callerId: (row.callerId ?? undefined) as E164 | undefined,
      pricing: spec.pricing,
      hold: spec.hold,
      carrierId: row.carrierId,
    });
    leg.state = isLegState(row.state) ? row.state : 'dialing';
    leg.answeredAt = row.answeredAt;
    leg.createdAt = row.createdAt;
    leg.node = row.node ?? undefined;
    leg.mayBeUp = !spec.gone;
    if (spec.gone) leg.goneBy = spec.goneBy;
    return leg;
  }

  /**
   * FreeSWITCH no longer knows this adopted leg: unless its end was reported meanwhile, it is
   * settled from estimates, as ended by `by` at the latest.
   */
  get gone(): boolean {
    return this.goneBy !== undefined;
  }

  /**
   * FreeSWITCH reported this leg's end outside the event stream (its CDR, already stored): it
   * is settled from that unless its own end came first, and whoever watches the leg learns it.
   */
  endReported(end: LegEnd): void {
    this.mayBeUp = false;
    this.signals.hangup.resolve(end.cause);
    this.signals.ended.resolve(end);
  }

  markGone(by: number): void {
    if (this.signals.ended.done) return;
    this.mayBeUp = false;
    this.goneBy = by;
  }

  /** Writes the leg's row (persisted before the leg is dialed) and announces it. */
  static async open(ctx: EngineContext, requestId: string, spec: LegSpec): Promise<LiveLeg> {
    const leg = new LiveLeg(ctx, requestId, spec);
    await ctx.untilWritten(`open leg ${spec.uuid}`, () => ctx.store.legs.create({
      uuid: spec.uuid,
      requestId,
      role: spec.role,
      attempt: spec.attempt,
      number: spec.number,
      callerId: spec.callerId ?? null,
      state: 'dialing',
      reservedMinor: spec.hold?.amount ?? null,
      carrierId: spec.carrierId,
    }));
    leg.publish(null);
    return leg;
  }

  /**
   * A logger naming the request and the leg, made for each line: a leg logs a few lines in its
   * life, and a child logger kept for it would be ~0.5 KB of heap for as long as the call is held.
   */
  get log(): Logger {
    return callLogger(this.ctx.logger, { requestId: this.requestId, legUuid: this.uuid });
  }

  get priced(): PricedLeg | undefined {
    return this.pricing ? { uuid: this.uuid, pricing: this.pricing, answeredAt: this.answeredAt, hold: this.hold } : undefined;
  }

  get isUp(): boolean {
    return !this.signals.hangup.done;
  }

  /** Moves the row along dialing → ringing → answered → bridged (→ answered in the C4 loop); a late or repeated signal changes nothing. */
  async mark(state: Extract<LegState, 'ringing' | 'answered' | 'bridged'>): Promise<void> {
    if (!this.canMark(state)) return;
    this.state = state;
    if (state === 'answered' && this.answeredAt === null) this.answeredAt = this.signals.answered.value ?? this.ctx.clock.now();
    // A talk goes on while the database is away; its row catches up when it is back.
    await this.writeRow(`mark leg ${this.uuid} ${state}`, state === 'answered' ? { state, answeredAt: this.answeredAt } : { state });
    // The state this write persisted: the leg may have moved on meanwhile (B's answer, then its bridge), and announces that after its own write.
    this.publish(null, state);
  }

  /**
   * An answer whose event writes this leg's row again at once: the second answer of the pair,
   * which the bridge follows (`markBridged`), or A's in source first, whose step holds the talk's
   * money and gives A its new hold (`replaceHold`). The leg is `answered` now and its row says so
   * with that write, one statement and one commit for both; `writeAnswer` writes it should the
   * event not write the row.
   */
  answerWithTheNextWrite(): void {
    if (!this.canMark('answered')) return;
    this.state = 'answered';
    this.answeredAt ??= this.signals.answered.value ?? this.ctx.clock.now();
    this.answerUnwritten = true;
  }

  /** The answer `answerWithTheNextWrite` left to a write its event did not make (it decided otherwise). */
  async writeAnswer(): Promise<void> {
    if (!this.answerUnwritten || this.settlement) return;
    this.answerUnwritten = false;
    await this.writeRow(`mark leg ${this.uuid} answered`, { state: 'answered', answeredAt: this.answeredAt });
    this.publish(null, 'answered');
  }

  /**
   * A talk's legs to `bridged` in one statement (one commit, one round trip) instead of one each:
   * the same mark as `mark('bridged')` for each leg that may still take it, with the answer of a
   * leg whose answer it follows at once (`answerWithTheNextWrite`).
   */
  static async markBridged(legs: readonly LiveLeg[]): Promise<void> {
    const [first, ...others] = legs.filter((leg) => leg.canMark('bridged'));
    if (!first) return;
    const moving = [first, ...others] as const;
    // One leg's answer at most: the second answer of the pair (the first was written when it came).
    const answering = moving.find((leg) => leg.answerUnwritten);
    const answered = answering === undefined || answering.answeredAt === null ? undefined : { uuid: answering.uuid, answeredAt: answering.answeredAt };
    for (const leg of moving) {
      leg.state = 'bridged';
      leg.answerUnwritten = false;
    }
    const uuids = moving.map((leg) => leg.uuid);
    await LiveLeg.writeRows(moving, `mark legs ${uuids.join(', ')} bridged`, (store) => store.legs.markBridged(uuids, answered));
    for (const leg of moving) {
      if (leg === answering) leg.publish(null, 'answered');
      leg.publish(null, 'bridged');
    }
  }

  /**
   * The request's move to `bridged` (`move`, its compare-and-set) and the talk's legs marked
   * `bridged` in ONE transaction, the legs' UPDATE (`legs.markBridged`, with the answer that
   * completes the pair) going only when the move wins and carrying the COMMIT: one commit instead
   * of the move's and the mark's (issue #20). Like every write of a leg's row it runs after the
   * legs' earlier writes and before their later ones, and waits out a database outage. Undefined
   * when no leg may take the mark (the move is then written alone); otherwise whether the move won
   * and, when it did, what announces the legs' marks (`answered`, `bridged`) once the request's
   * move has been announced. A move that committed unseen (its answer lost) is not taken for won
   * here: the caller finds it by the row's version, and `markBridged` writes the mark again.
   */
  static async moveWithBridged(legs: readonly LiveLeg[], what: string, move: (store: Store) => Promise<boolean>): Promise<{ moved: boolean; publish?: () => void } | undefined> {
    const [first, ...others] = legs.filter((leg) => leg.canMark('bridged'));
    if (!first) return undefined;
    const moving = [first, ...others] as const;
    const { ctx } = first;
    const answering = moving.find((leg) => leg.answerUnwritten);
    const answered = answering === undefined || answering.answeredAt === null ? undefined : { uuid: answering.uuid, answeredAt: answering.answeredAt };
    const uuids = moving.map((leg) => leg.uuid);
    const unit = (): Promise<boolean> =>
      retryOnDeadlock(() =>
        inTransaction(
          ctx.db,
          async (tx) => {
            if (!(await move(tx))) return false;
            await asLastStatement(tx.db, () => tx.legs.markBridged(uuids, answered));
            return true;
          },
          () => ctx.clock.now(),
          // The move and the mark in one packet on MariaDB; a lost move runs again unpipelined.
          { pipelined: true },
        ),
      );
    const written = ctx.work.waitFor(Promise.all(moving.map((leg) => leg.rowWrites))).then(() => ctx.untilWritten(what, unit));
    const landed = written.catch(() => undefined);
    for (const leg of moving) leg.rowWrites = landed;
    if (!(await written)) return { moved: false };
    // The marks as markBridged makes them, for the legs that may still take them (a settlement may have begun meanwhile: it wrote after this unit).
    const marked = moving.filter((leg) => leg.canMark('bridged'));
    for (const leg of marked) {
      leg.state = 'bridged';
      leg.answerUnwritten = false;
    }
    return {
      moved: true,
      publish: () => {
        for (const leg of marked) {
          if (leg === answering) leg.publish(null, 'answered');
          leg.publish(null, 'bridged');
        }
      },
    };
  }

  private canMark(state: LegState): boolean {
    return !this.settlement && canLegTransition(this.state, state);
  }

  async replaceHold(hold: Hold | undefined): Promise<void> {
    this.hold = hold;
    const { patch, answer } = this.holdPatch(hold);
    this.answerUnwritten = false;
    await this.writeRow(`hold of leg ${this.uuid}`, patch);
    if (answer) this.publish(null, 'answered');
  }

  /**
   * Source first, B3 before B is dialed: `hold` makes the talk's holds (A's new one among them) in
   * a transaction that ends with this leg's row (`HoldsWrite`: its `reserved_minor`, with the answer
   * `answerWithTheNextWrite` left to it), one commit instead of the holds' and the row's (issue
   * #20). Like every write of the row it runs after the row's earlier writes and before its later
   * ones (the settlement's, which then books the new hold). A refusal writes nothing: the leg keeps
   * its setup hold, and its answer is written on its own (`writeAnswer`).
   */
  async takeHoldWith(hold: (writeRow: HoldsWrite) => Promise<Hold[] | Refusal>): Promise<Hold[] | Refusal> {
    // Decided by the try that commits: a settlement begun while the holds waited writes the answer itself.
    let answer = false;
    const writeRow: HoldsWrite = (tx, holds) => {
      const written = this.holdPatch(holds.find((one) => one.legUuid === this.uuid));
      answer = written.answer;
      return tx.legs.update(this.uuid, written.patch);
    };
    const written = this.ctx.work
      .waitFor(this.rowWrites)
      .then(() => hold(writeRow))
      .then((holds) => {
        // Before the row's next write may go: the settlement that follows books this hold.
        if (!isRefusal(holds)) {
          this.hold = holds.find((one) => one.legUuid === this.uuid);
          this.answerUnwritten = false;
        }
        return holds;
      });
    this.rowWrites = written.catch(() => undefined);
    const holds = await written;
    if (!isRefusal(holds) && answer) this.publish(null, 'answered');
    return holds;
  }

  /** The row's UPDATE for a new hold, with the answer left to the next write while no settlement has begun. */
  private holdPatch(hold: Hold | undefined): { patch: LegPatch; answer: boolean } {
    const answer = this.answerUnwritten && !this.settlement && this.state === 'answered';
    const reservedMinor = hold?.amount ?? null;
    return { patch: answer ? { reservedMinor, state: 'answered', answeredAt: this.answeredAt } : { reservedMinor }, answer };
  }

  private writeRow(what: string, patch: LegPatch): Promise<unknown> {
    return LiveLeg.writeRows([this], what, (store) => store.legs.update(this.uuid, patch));
  }

  /** Queues `write` of these legs' rows behind the writes of each before it; the write waits out an outage. */
  private static writeRows(legs: readonly [LiveLeg, ...LiveLeg[]], what: string, write: (store: Store) => Promise<unknown>): Promise<unknown> {
    const { ctx } = legs[0];
    // Queued behind an earlier write of a row (perhaps waiting out an outage) is waiting, not
    // work: a step awaiting this write must not count as busy meanwhile, or the harness's "quiet"
    // and the engine's idle accounting wait for a clock that only moves once nothing is busy.
    const written = ctx.work
      .waitFor(Promise.all(legs.map((leg) => leg.rowWrites)))
      .then(() => ctx.work.run(() => ctx.untilWritten(what, () => write(ctx.store))));
    const landed = written.catch(() => undefined);
    for (const leg of legs) leg.rowWrites = landed;
    return written;
  }

  /**
   * FreeSWITCH told us on another channel that this leg ended at `at` (the bridge on A's own
   * socket returned), while the leg's own events did not come: its node's event link is down.
   * The leg ends now for the request; its settlement still waits a while for the real
   * CHANNEL_HANGUP_COMPLETE, and otherwise bills up to `at`, not up to whenever it gave up.
   */
  endedElsewhere(cause: HangupCause, at: number): void {
    if (this.signals.hangup.done) return;
    this.endSeenAt = at;
    this.log.warn('leg end seen only through the bridge; its node sent no hangup', { role: this.role, cause });
    this.signals.hangup.resolve(cause);
  }

  /** B4: waits for the leg's end, then rates and books it; the same promise for every caller. */
  settle(): Promise<Settlement> {
    this.settlement ??= this.settleOnItsOwn();
    return this.settlement;
  }

  /**
   * Leaves this leg's settlement to a transaction its request writes (the request's last one,
   * `final-settlement.ts`): from now on `settle()` answers `settlement`. False when the leg's
   * settlement has begun already; it is then awaited as it is.
   */
  settleWith(settlement: Promise<Settlement>): boolean {
    if (this.settlement) return false;
    this.settlement = settlement;
    return true;
  }

  /** The settlement in a transaction of its own; `settle()` once, or a final transaction that could not write it. */
  async settleOnItsOwn(): Promise<Settlement> {
    const end = await this.endAndRow();
    return this.ctx.work.run(async () => {
      // Many legs end at once (a burst of hangups): their writes are spread over loop turns, ahead of new orders.
      await this.ctx.newWork.slot('finishing');
      return this.settledAs(end, await settleLeg(this.ctx, this.settleInput(end)));
    });
  }

  /** The leg's end, once every earlier write of its row has landed (its settlement writes the final row). */
  async endAndRow(): Promise<LegEnd> {
    const end = await this.awaitEnd();
    await this.rowWrites;
    return end;
  }

  /** What its settlement books for the leg that ended with `end`. */
  settleInput(end: LegEnd): SettleInput {
    return {
      carrierId: this.carrierId,
      requestId: this.requestId,
      legUuid: this.uuid,
      role: this.role,
      attempt: this.attempt,
      number: this.number,
      pricing: this.pricing,
      hold: this.hold,
      state: this.state,
      createdAt: this.createdAt,
      end,
    };
  }

  /** Once its settlement committed: the leg is let go, and announced ended by the settlement that wrote it. */
  settledAs(end: LegEnd, settled: Settlement): Settlement {
    this.forget();
    if (settled.written) {
      this.state = settled.state;
      this.log.info('leg settled', { role: this.role, state: settled.state, cause: end.cause, billsec: end.billsec, costMinor: settled.costMinor, reported: end.reported });
      this.publish(end.cause);
    }
    return settled;
  }

  /** Stops following the leg here: settled, or handed over to another instance. */
  forget(): void {
    this.ctx.hub.forget(this.uuid);
    this.ctx.liveLegs.release(this);
  }

  private async awaitEnd(): Promise<LegEnd> {
    if (this.goneBy !== undefined) return this.signals.ended.value ?? this.estimatedEnd(this.goneBy);
    const waitMs = this.ctx.hangupCompleteWaitMs;
    const first = await within(this.ctx.clock, this.signals.ended.promise, waitMs);
    if (first) return first;
    if (this.mayBeUp && !this.signals.hangup.done) {
      // Nobody saw it end: it must not go on unbilled.
      this.log.warn('leg still up at settlement; hanging it up', { role: this.role });
      await this.control.hangup('NORMAL_CLEARING').catch((error: unknown) => this.log.warn('hangup failed', { error: String(error) }));
      const second = await within(this.ctx.clock, this.signals.ended.promise, waitMs);
      if (second) return second;
    }
    if (this.answeredAt !== null || this.signals.hangup.done) this.log.warn('no CHANNEL_HANGUP_COMPLETE for the leg; settling from estimates', { role: this.role });
    return this.estimatedEnd(this.endSeenAt ?? this.ctx.clock.now());
  }

  private estimatedEnd(endedBy: number): LegEnd {
    const endedAt = Math.max(endedBy, this.answeredAt ?? endedBy);
    const estimate: LegEnd = {
      cause: this.signals.hangup.value ?? this.failureCause ?? 'NORMAL_CLEARING',
      billsec: this.answeredAt === null ? 0 : Math.floor((endedAt - this.answeredAt) / 1000),
      startedAt: this.createdAt,
      answeredAt: this.answeredAt,
      endedAt,
      reported: false,
    };
    // Whoever still waits for this leg's end (its hangup follower) learns it here.
    this.signals.hangup.resolve(estimate.cause);
    this.signals.ended.resolve(estimate);
    return estimate;
  }

  private publish(cause: HangupCause | null, state: LegState = this.state): void {
    this.ctx.events.emit('leg', {
      requestId: this.requestId,
      legUuid: this.uuid,
      role: this.role,
      attempt: this.attempt,
      status: liveStatusOf(state),
      state,
      cause,
      at: this.ctx.clock.now(),
    });
  }
}
