import { rateLeg, ratingTermsOf } from '../../billing';
import { MONEY_MAX_MINOR, minorUnits, type MinorUnits } from '../../domain/money';
import { inTransaction, type ReservationOwner, type Store } from '../../store';
import { retryOnDeadlock } from '../../store/sql-errors';
import { isFinalLegState, isLegState, legOutcomeForCause, type LegState } from '../state/leg-state';
import type { LegRole } from '../../store/legs';
import { carrierChargeOf, type CarrierCharge } from './carrier-cost';
import type { EngineContext } from './context';
import { EXTENSION_RATE, knownHold, payerFunds, type Hold, type LegPricing } from './funds';
import type { LegEnd } from './leg-events';

export interface SettleInput {
  readonly requestId: string;
  readonly legUuid: string;
  readonly role: LegRole;
  readonly attempt: number;
  readonly number: string;
  /** Undefined for a leg that could not be priced; it is recorded at no cost. */
  readonly pricing: LegPricing | undefined;
  readonly hold: Hold | undefined;
  /** The leg's state before it ended: a leg seen answering is rated even if its end lost the answer time. */
  readonly state: LegState;
  readonly createdAt: number;
  readonly end: LegEnd;
  /** The carrier this try went out through (legs.carrier_id); null: none. */
  readonly carrierId: number | null;
}

export interface Settlement {
  readonly state: LegState;
  readonly costMinor: MinorUnits;
  /** False when the leg had been settled before (a replayed end): nothing was written. */
  readonly written: boolean;
}

/**
 * A leg's settlement ready to be written: rated, its carrier's charge read. `write` books it in
 * a transaction the caller runs: one of its own (`settleLeg`), or its request's last one with
 * the other legs that ended with it and the final move (`final-settlement.ts`).
 */
export interface LegBooking {
  readonly legUuid: string;
  /** Books the leg in `tx`; writes nothing when it was settled before (its CDR is unique). */
  write(tx: Store): Promise<Settlement>;
  /** Once the transaction committed: what the operator should hear of this booking. */
  committed(settlement: Settlement): void;
}

/**
 * B2/B3/B4: rates one leg from its own billsec and books it in ONE transaction: the CDR (with
 * what the leg's carrier charges us, issue #17)
 * (unique per leg, so a second settlement of the same leg writes nothing and moves no money),
 * the charge against the leg's hold — an account's or a card's — (or straight to the balance
 * when nothing was held), and the leg row's final state. Money is whole minor units throughout.
 */
export async function settleLeg(ctx: EngineContext, input: SettleInput): Promise<Settlement> {
  const booking = await bookingOf(ctx, input);
  // With the database away, the unit waits until it lands: the leg happened and is owed (and the
  // CDR's uniqueness makes a unit that committed unseen a no-op the second time). Pipelined on
  // MariaDB: a booking writes what its inputs say, so it may run twice, and in the common case (a
  // first settlement, a hold still held) each write changes its one row: one packet for the unit.
  const settlement = await ctx.untilWritten(`settle leg ${input.legUuid}`, () =>
    retryOnDeadlock(() => inTransaction(ctx.db, (tx) => booking.write(tx), () => ctx.clock.now(), { pipelined: true })),
  );
  booking.committed(settlement);
  return settlement;
}

/** Rates the leg and reads its carrier's charge: what its booking writes, in whichever transaction. */
export async function bookingOf(ctx: EngineContext, input: SettleInput): Promise<LegBooking> {
  const { end, pricing } = input;
  const answered = end.answeredAt !== null || end.billsec > 0 || input.state === 'answered' || input.state === 'bridged';
  const state = legOutcomeForCause(end.cause, answered);
  // A cost beyond the money bound is beyond any hold too (capAtHold): it is recorded at the bound, so the leg's rows can be written.
  const costMinor = pricing ? minorUnits(Math.min(rateLeg(pricing.rate, end.billsec).costMinor, MONEY_MAX_MINOR)) : minorUnits(0);
  // A leg A taken over by the payer the IVR identified (A6) books to that payer; a card's leg to its card.
  const taken = takeover(input);
  const accountId = taken && 'accountId' in taken.owner ? taken.owner.accountId : (pricing?.payer.accountId ?? null);
  // The store takes the account's (card's) row before the reservation (ReservationsRepository.settle),
  // so two legs of one payer settling at once queue on that row instead of deadlocking; should
  // InnoDB still pick a victim, it rolled the whole unit back, so the whole unit runs again.
  const payer: ReservationOwner | null = taken ? taken.owner : pricing ? payerFunds(pricing.payer) : null;
  // Read before the unit, not in it: carriers and rate sheets do not change with the leg, and the
  // unit's first statement stays the CDR's insert, which decides which settlement of a leg wins.
  const carrier = await ctx.untilWritten(`read the carrier of leg ${input.legUuid}`, () =>
    carrierChargeOf(ctx.prices, { carrierId: input.carrierId, number: input.number, startedAt: end.startedAt ?? input.createdAt, billsec: end.billsec }),
  );
  return {
    legUuid: input.legUuid,
    write: (tx) => book(tx, input, state, costMinor, accountId, payer, carrier),
    committed: (settlement) => {
      if (!settlement.written || !carrier || carrier.costMinor !== null) return;
      // The margin of this leg is unknown until the carrier's rate sheet covers the number (reports count it as uncosted).
      ctx.logger.warn('no buy rate of the carrier covers the number: the leg has no carrier cost', { legUuid: input.legUuid, carrier: carrier.carrier, number: input.number });
    },
  };
}

async function book(
  tx: Store,
  input: SettleInput,
  state: LegState,
  costMinor: MinorUnits,
  accountId: number | null,
  payer: ReservationOwner | null,
  carrier: CarrierCharge | null,
): Promise<Settlement> {
  const { end, pricing } = input;
  const taken = takeover(input);
  const startedAt = end.startedAt ?? input.createdAt;
  const written = await tx.cdrs.insert({
    legUuid: input.legUuid,
    requestId: input.requestId,
    accountId,
    direction: 'outbound',
    number: input.number,
    startedAt,
    answeredAt: end.answeredAt,
    endedAt: end.endedAt,
    billsec: end.billsec,
    hangupCause: end.cause,
    costMinor,
    ratePrefix: pricing === undefined || pricing.rate === EXTENSION_RATE ? null : pricing.rate.prefix,
    carrier: carrier?.carrier ?? null,
    carrierCostMinor: carrier?.costMinor ?? null,
    carrierCurrency: carrier?.currency ?? null,
    raw: {
      role: input.role,
      attempt: input.attempt,
      payer: taken ? ('cardId' in taken.owner ? 'card' : 'account') : (pricing?.payer.kind ?? null),
      ...(pricing?.payer.kind === 'card' ? { cardId: pricing.payer.cardId } : {}),
      ...(taken && 'cardId' in taken.owner ? { cardId: taken.owner.cardId } : {}),
      ...(taken ? { operatorSeconds: taken.operatorSeconds, operatorAccountId: taken.operatorAccountId } : {}),
      ratePerMinute: pricing?.rate.ratePerMinute ?? null,
      // The whole terms, so that a correction (estimate-correction.ts) rates the real billsec exactly as this was rated.
      ...(pricing ? { terms: ratingTermsOf(pricing.rate) } : {}),
      // The buy terms too, so that a correction re-rates the carrier's side the same way.
      ...(carrier?.terms ? { carrierTerms: carrier.terms } : {}),
      // An end FreeSWITCH never reported (lost HANGUP_COMPLETE, dead controller) is an estimate.
      reported: end.reported,
    },
    source: end.source ?? 'socket',
  });
  if (!written) return replayed(tx, input.legUuid, state);
  let payable = costMinor;
  if (taken) {
    // The time before the takeover stays the operator's (A6); the rest goes against the payer's hold.
    const operatorCost = Math.min(costMinor, rateLeg(taken.rate, Math.min(end.billsec, taken.operatorSeconds)).costMinor);
    if (operatorCost > 0) await tx.accounts.charge(taken.operatorAccountId, minorUnits(operatorCost));
    payable = minorUnits(costMinor - operatorCost);
  }
  await charge(tx, input.hold, payer, await capAtHold(tx, input, payer, payable));
  await tx.legs.update(input.legUuid, {
    state,
    answeredAt: end.answeredAt,
    endedAt: end.endedAt,
    hangupCause: end.cause,
    billsec: end.billsec,
    costMinor,
    ...(carrier ? { carrierCostMinor: carrier.costMinor } : {}),
  });
  return { state, costMinor, written: true };
}

/**
 * A settlement of a leg that was settled before (its CDR is unique): what was written, not what
 * this end would have cost, so that whoever reported a racing end learns the truth. The insert
 * that lost waited for the winner's commit, so this read (the unit's first, on MariaDB the
 * snapshot's start) sees its rows.
 */
async function replayed(tx: Store, legUuid: string, stateOfThisEnd: LegState): Promise<Settlement> {
  const cdr = await tx.cdrs.findByLegUuid(legUuid);
  const written = (await tx.legs.findByUuid(legUuid))?.state;
  const state = written !== undefined && isLegState(written) && isFinalLegState(written) ? written : stateOfThisEnd;
  return { state, costMinor: cdr?.costMinor ?? minorUnits(0), written: false };
}

/**
 * No settlement charges a leg more than its hold, whatever reported its end (issue #15: a CDR of
 * billsec 999999 must not take an account past its hold and credit). The excess is recorded in
 * billing_discrepancies for the operator; the leg's CDR keeps its rated cost.
 */
async function capAtHold(tx: Store, input: SettleInput, payer: ReservationOwner | null, cost: MinorUnits): Promise<MinorUnits> {
  const { hold, end } = input;
  if (!hold || cost <= hold.amount) return cost;
  await tx.billingDiscrepancies.record({
    legUuid: input.legUuid,
    requestId: input.requestId,
    payer,
    kind: 'over_hold',
    source: end.source === 'json_cdr' ? 'json_cdr' : end.reported ? 'socket' : 'estimate',
    billsec: end.billsec,
    holdMinor: hold.amount,
    ratedCostMinor: cost,
    chargedMinor: hold.amount,
    excessMinor: minorUnits(cost - hold.amount),
  });
  return hold.amount;
}

async function charge(tx: Store, hold: Hold | undefined, payer: ReservationOwner | null, cost: MinorUnits): Promise<void> {
  if (hold) {
    const known = knownHold(hold);
    if (cost === 0) {
      await tx.reservations.release(hold.reservationId, known);
      return;
    }
    // A card's hold pays at most what the card has (the store never takes a card below zero).
    if (await tx.reservations.settle(hold.reservationId, cost, known)) return;
    // The hold was closed by someone else (a reaper of stale holds): the leg is still owed.
  }
  // A leg that ran without a hold (leg A in the IVR, the operator's legs) is charged as it is;
  // a card only from what it has beyond the holds of calls still in progress.
  if (cost <= 0 || payer === null) return;
  if ('cardId' in payer) await tx.cards.chargeAtMost(payer.cardId, cost);
  else await tx.accounts.charge(payer.accountId, cost);
}

interface Takeover {
  /** The account, or the calling card (A4), the IVR identified. */
  readonly owner: ReservationOwner;
  readonly operatorAccountId: number;
  readonly operatorSeconds: number;
  readonly rate: LegPricing['rate'];
}

/** Leg A ran on the operator until the payer the IVR identified took it over with a hold of its own (funds.ts `holdForTalk`). */
function takeover(input: SettleInput): Takeover | null {
  const { hold, pricing, end } = input;
  if (!hold || hold.since === undefined || !pricing || pricing.payer.kind !== 'operator') return null;
  const owner: ReservationOwner = 'cardId' in hold ? { cardId: hold.cardId } : { accountId: hold.accountId };
  if ('accountId' in owner && owner.accountId === pricing.payer.accountId) return null;
  const operatorSeconds = end.answeredAt === null ? 0 : Math.ceil(Math.max(0, hold.since - end.answeredAt) / 1000);
  return { owner, operatorAccountId: pricing.payer.accountId, operatorSeconds, rate: pricing.rate };
}
