import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { chargeTarget, maxCallSeconds, maxTalkSecondsForTwoLegs, reservationFor, type ChargeTarget } from '../../billing';
import { minorUnits, type MinorUnits } from '../../domain/money';
import type { E164 } from '../../domain/phone-number';
import { asLastStatement, availableMinorOf, cardAvailableMinor, HoldKeyRace, inTransaction, type CallbackRequest, type KnownHold, type Rate, type ReservationOwner, type Store } from '../../store';
import { retryOnDeadlock } from '../../store/sql-errors';
import { CHOSEN_PAYER_KEY } from './ask-destination';
import type { AccountLookup } from './account-reads';
import type { EngineContext } from './context';
import { requestData } from './request-data';

/**
 * Who pays a leg we dial: an account, the operator for an unidentified caller's leg A (A6), or a
 * calling card (A4: leg B, legs added in the call, and leg A from the IVR on) at the tariff of its account (accountId,
 * null: the request's). An account's and a card's money are held alike (B3): a card's talk
 * limit comes from its hold, so concurrent calls on one card cannot spend the same balance.
 */
export type Payer =
  | Extract<ChargeTarget, { kind: 'account' | 'operator' }>
  | { readonly kind: 'card'; readonly cardId: number; readonly accountId: number | null };

export interface LegPricing {
  readonly rate: Rate;
  readonly payer: Payer;
}

/** Stable reason codes, as the audit log records them (A5: every refusal with its reason). */
export type RefusalReason =
  | 'account_missing'
  | 'account_inactive'
  | 'not_in_callback_tariff'
  | 'destination_not_in_tariff'
  | 'no_payer'
  | 'insufficient_funds'
  | 'too_many_concurrent'
  /** `activeForUsers` was switched off after the order (a scheduled callback came due). */
  | 'callback_disabled'
  /** A feature's leg: the talk it was for ended while its price and hold waited for the database. */
  | 'call_ended';

export interface Refusal {
  readonly refused: RefusalReason;
  /** What the audit line should say besides the reason (A5's counts). */
  readonly details?: Readonly<Record<string, number | string>>;
}

interface HoldTerms {
  readonly legUuid: string;
  readonly reservationId: number;
  readonly amount: MinorUnits;
  /**
   * A leg A that started on the operator (A6) and was taken over by the payer leg A identified:
   * this hold is that payer's, from this instant on (settlement charges the time before to the operator).
   */
  readonly since?: number;
}

/** Money set aside for one leg (B3), of an account (accountId) or of a calling card (cardId). */
export type Hold = HoldTerms & ReservationOwner;

/** A leg in a funds question: its pricing, and for a leg already up, when it answered and what it holds. */
export interface PricedLeg {
  readonly uuid: string;
  readonly pricing: LegPricing;
  readonly answeredAt?: number | null;
  readonly hold?: Hold | undefined;
}

/**
 * A write a hold transaction ends with, given the holds it made (source first: leg A's row with
 * its new hold, `LiveLeg.takeHoldWith`). It is the transaction's last statement and carries its
 * COMMIT on MariaDB (`asLastStatement`), so its failure fails the holds too; it runs again with
 * every try of the transaction, so it must write the same row whatever it is given twice.
 */
export type HoldsWrite = (tx: Store, holds: readonly Hold[]) => Promise<unknown>;

/**
 * A write a hold transaction begins with (an order due now: its row, `written-order.ts`). With
 * one, the transaction is the caller's own write and fails as it would: it does not wait out a
 * database outage, and a refused hold or a failure writes neither.
 */
export type FirstWrite = (tx: Store) => Promise<unknown>;

export function isRefusal<T extends object>(value: T | Refusal): value is Refusal {
  return 'refused' in value;
}

class NotAffordable extends Error {}

/**
 * Leg A to a user registered on the node (call_extension) goes through no carrier, so it costs
 * nothing unless the callback tariff has an `ext:` rate for the extension (lib/domain/rate-prefix.ts):
 * without one it is rated at this, and its CDR has no rate prefix. Leg B is billed as always.
 */
export const EXTENSION_RATE: Rate = {
  id: 0,
  tariffId: 0,
  prefix: '',
  description: 'extension on the node',
  ratePerMinute: 0,
  connectionFeeMinor: minorUnits(0),
  incrementFirstSeconds: 1,
  incrementNextSeconds: 1,
  minimumSeconds: 0,
};

/** What a leg to an extension is rated at: the tariff's `ext:` rate for it, else nothing (an extension is always dialable). */
function extensionLegRate(tariffRate: Rate | null): Rate {
  return tariffRate ?? EXTENSION_RATE;
}

/**
 * Rates and reservations for a request's legs. The rules:
 * - leg A is rated by the account's callback tariff (A6: a source it lacks is never dialed),
 *   leg B by its retail tariff (B1);
 * - before a leg costs anything, what it may cost is held (B3) on whoever pays it, an account
 *   or a calling card (A4), so concurrent calls cannot spend the same balance: leg A's setup
 *   allowance when A is dialed, then, before B is dialed, both legs' cost for the longest
 *   affordable talk;
 * - the talk limit (C6) is the longest talk those holds pay for.
 */
export class Funds {
  constructor(private readonly ctx: EngineContext) {}

  /**
   * Pricing reads wait out a database outage like the writes do (ctx.untilWritten): a call being
   * set up then goes on once the database is back instead of failing, and reading twice is harmless.
   */
  priceLegA(request: CallbackRequest, accounts: AccountLookup = this.readAccount): Promise<LegPricing | Refusal> {
    return this.ctx.untilWritten(`price leg A of ${request.id}`, () => this.priceLegAOnce(request, accounts));
  }

  /** `accounts`: an admission's lookup reads each account once for all its questions (account-reads.ts). */
  priceLegB(request: CallbackRequest, destination: E164, accounts: AccountLookup = this.readAccount): Promise<LegPricing | Refusal> {
    return this.ctx.untilWritten(`price ${destination} for ${request.id}`, () => this.priceLegBOnce(request, destination, accounts));
  }

  private readonly readAccount: AccountLookup = (accountId) => this.ctx.store.accounts.findById(accountId);

  private async priceLegAOnce(request: CallbackRequest, accounts: AccountLookup): Promise<LegPricing | Refusal> {
    const account = await accounts(request.accountId);
    if (!account) return { refused: 'account_missing' };
    if (!account.active) return { refused: 'account_inactive' };
    const { extension } = requestData(request.data);
    const tariffId = account.callbackTariffId;
    const rate = extension
      ? extensionLegRate(tariffId === null ? null : await this.ctx.prices.extensionRate(tariffId, extension.extension))
      : tariffId === null
        ? null
        : await this.ctx.prices.sellRate(tariffId, request.source);
    if (!rate) return { refused: 'not_in_callback_tariff' };
    const payer = this.payer('A', request);
    return isPayer(payer) ? { rate, payer } : { refused: 'no_payer' };
  }

  private async priceLegBOnce(request: CallbackRequest, destination: E164, accounts: AccountLookup): Promise<LegPricing | Refusal> {
    const chosen = chosenPayerOf(request);
    if (chosen && 'cardId' in chosen) return this.priceCardLeg(request, chosen.cardId, destination, accounts);
    const account = await accounts(chosen ? chosen.accountId : request.accountId);
    if (!account) return { refused: 'account_missing' };
    if (chosen) {
      if (!account.active) return { refused: 'account_inactive' };
      const rate = account.tariffId === null ? null : await this.ctx.prices.sellRate(account.tariffId, destination);
      return rate ? { rate, payer: { kind: 'account', accountId: account.id } } : { refused: 'destination_not_in_tariff' };
    }
    const rate = account.tariffId === null ? null : await this.ctx.prices.sellRate(account.tariffId, destination);
    if (!rate) return { refused: 'destination_not_in_tariff' };
    const payer = this.payer('B', request);
    return isPayer(payer) ? { rate, payer } : { refused: 'no_payer' };
  }

  /** A4: a card pays leg B at the retail tariff of its account, else of the request's (the operator's). */
  private async priceCardLeg(request: CallbackRequest, cardId: number, destination: E164, accounts: AccountLookup): Promise<LegPricing | Refusal> {
    const card = await this.ctx.store.cards.findById(cardId);
    if (!card || !card.active || (card.expiresAt !== null && card.expiresAt <= this.ctx.clock.now())) return { refused: 'no_payer' };
    const account = await accounts(card.accountId ?? request.accountId);
    if (!account) return { refused: 'account_missing' };
    const rate = account.tariffId === null ? null : await this.ctx.prices.sellRate(account.tariffId, destination);
    if (!rate) return { refused: 'destination_not_in_tariff' };
    return { rate, payer: { kind: 'card', cardId: card.id, accountId: card.accountId } };
  }

  /**
   * When the request is due. Source first: leg A's setup allowance is held, after checking that
   * a known destination could be afforded at all (no point ringing the subscriber otherwise).
   * Simultaneous: both legs' cost for the longest talk, since both ring at once.
   */
  async holdForDial(request: CallbackRequest, a: PricedLeg, b: PricedLeg | undefined, accounts?: AccountLookup, first?: FirstWrite): Promise<Hold[] | Refusal> {
    const onEstimate = await this.holdForDialFrom(request, a, b, accounts, first);
    if (accounts === undefined || !isRefusal(onEstimate) || onEstimate.refused !== 'insufficient_funds') return onEstimate;
    // The admission's rows are an estimate of the funds (the conditional UPDATE decides): a hold
    // refused on it is tried again on the balance as it is now, which may pay for a shorter talk.
    return this.holdForDialFrom(request, a, b, undefined, first);
  }

  /**
   * `accounts`: the admission's reads, whose rows estimate an account's funds; without it the balance is read.
   * `first`: written in the holds' transaction, if one is written (none when nothing is held, or the pricing refuses).
   */
  private async holdForDialFrom(request: CallbackRequest, a: PricedLeg, b: PricedLeg | undefined, accounts: AccountLookup | undefined, first: FirstWrite | undefined): Promise<Hold[] | Refusal> {
    const ringSeconds = this.ctx.settings.waitTimeSeconds;
    if (request.mode === 'simultaneous' && b) return this.holdTalk(request, a, b, ringSeconds, [], { accounts, first });
    if (b && (await this.talkSeconds(a.pricing, b.pricing, ringSeconds, [], accounts)) === 0) return { refused: 'insufficient_funds' };
    if (a.pricing.payer.kind !== 'account') return [];
    return this.reserveAll(request, [{ leg: a, amount: reservationFor(a.pricing.rate, this.ctx.setupAllowanceSeconds) }], [], { first });
  }

  /**
   * Source first, before B is dialed: A's setup hold becomes a hold for A's whole life, plus B's
   * hold for the talk. A's head start is what it ran so far plus B's ring time (billing's
   * over-estimate, recomputed when B answers). All or nothing: on refusal A keeps its setup hold.
   * `then`: what the transaction writes last, once the holds are made (A's row).
   */
  async holdForTalk(request: CallbackRequest, a: PricedLeg, b: PricedLeg, then?: HoldsWrite): Promise<Hold[] | Refusal> {
    const plan = this.talkPlan(a, b.pricing);
    return this.holdTalk(request, plan.early, b, plan.headSeconds, plan.releasing, { ...(plan.aSince === undefined ? {} : { aSince: plan.aSince }), then });
  }

  /**
   * C6 as leg A's IVR announces it: the talk holdForTalk would hold for B at `pricing` now, both
   * legs counted when one payer pays both, so the announcement is what the call will be allowed
   * (at least: the limit at talk start is recomputed with A's real head start, never shorter).
   */
  async plannedTalkSeconds(a: PricedLeg, pricing: LegPricing): Promise<number> {
    const plan = this.talkPlan(a, pricing);
    return this.talkSeconds(plan.early.pricing, pricing, plan.headSeconds, plan.releasing);
  }

  /** Who pays leg A for the talk with B at `late`, its head start over B (what it ran plus B's ring time) and the holds that become A's. */
  private talkPlan(a: PricedLeg, late: LegPricing): { early: PricedLeg; headSeconds: number; releasing: Hold[]; aSince: number | undefined } {
    const now = this.ctx.clock.now();
    const taken = takenOverBy(a, late.payer);
    // An account takes leg A over from now (the IVR time before is the operator's, A6); a card
    // pays its whole leg A from the answer on, as MOR charges it.
    const from = taken && taken.kind !== 'card' ? (a.hold?.since ?? now) : a.answeredAt;
    const ranSeconds = from ? Math.ceil(Math.max(0, now - from) / 1000) : 0;
    return {
      early: taken ? { ...a, pricing: { ...a.pricing, payer: taken } } : a,
      headSeconds: ranSeconds + this.ctx.settings.waitTimeSeconds,
      releasing: a.hold ? [a.hold] : [],
      aSince: taken ? (from ?? now) : undefined,
    };
  }

  /**
   * A leg an in-call feature adds (role C, lib/features/feature-leg.ts): paid like B by the
   * request's payer (an account or a card), and held for the longest call what that payer has
   * left (after the A and B holds) pays for, so concurrent calls cannot spend the same balance.
   * `limitSeconds` is that call's length (C6 for the third party).
   *
   * The hold waits out a database outage; `ended` (the talk's signal) bounds that by the call: a
   * talk that ended meanwhile gets no third party, and the hold made for it is released at once.
   */
  async holdForFeatureLeg(request: CallbackRequest, leg: PricedLeg, ended?: AbortSignal): Promise<{ hold: Hold | undefined; limitSeconds: number } | Refusal> {
    const { payer, rate } = leg.pricing;
    const owner = heldOwner(payer);
    if (!owner) return { refused: 'no_payer' };
    if (ended?.aborted) return { refused: 'call_ended' };
    const limitSeconds = maxCallSeconds({ rate, availableMinor: await this.available(owner), capSeconds: this.ctx.capSeconds });
    if (limitSeconds === 0) return { refused: 'insufficient_funds' };
    const holds = await this.reserveAll(request, [{ leg, amount: reservationFor(rate, limitSeconds) }], [], {});
    if (isRefusal(holds)) return holds;
    if (ended?.aborted) {
      await this.releaseAll(holds);
      return { refused: 'call_ended' };
    }
    return { hold: holds[0], limitSeconds };
  }

  /** Holds no leg will use; a release waits out an outage too (releasing twice changes nothing). */
  private async releaseAll(holds: readonly Hold[]): Promise<void> {
    for (const hold of holds) await this.ctx.untilWritten(`release hold ${hold.reservationId}`, () => this.ctx.store.reservations.release(hold.reservationId, knownHold(hold)));
  }

  /**
   * C6 at talk start: the longest talk the call's holds pay for, with the early leg's real head
   * start. Holds were sized for an over-estimated head start, so this is never shorter than planned.
   */
  talkLimitSeconds(early: PricedLeg, late: PricedLeg, headSeconds: number): number {
    const held = new Map<string, number>();
    for (const hold of [early.hold, late.hold]) if (hold) held.set(fundsKey(hold), (held.get(fundsKey(hold)) ?? 0) + hold.amount);
    // A leg A taken over by the caller's payer (A6) costs that payer only from the takeover on.
    const taken = early.hold?.since !== undefined ? takenOverBy(early, late.pricing.payer) : null;
    const sinceAnswer = taken && early.answeredAt ? Math.floor(Math.max(0, (early.hold?.since ?? 0) - early.answeredAt) / 1000) : 0;
    const pricing = taken ? { ...early.pricing, payer: taken } : early.pricing;
    return this.limit(pricing, late.pricing, Math.max(0, headSeconds - sinceAnswer), (owner) => held.get(fundsKey(owner)) ?? 0);
  }

  private payer(leg: 'A' | 'B', request: CallbackRequest): ChargeTarget {
    const unidentified = requestData(request.data).unidentified;
    return chargeTarget({
      leg,
      identifiedAccountId: unidentified ? null : request.accountId,
      cardId: null,
      operatorCallbackAccountId: this.ctx.operatorCallbackAccountId,
    });
  }

  private async holdTalk(
    request: CallbackRequest,
    a: PricedLeg,
    b: PricedLeg,
    headSeconds: number,
    releasing: readonly Hold[],
    { aSince, accounts, then, first }: { readonly aSince?: number; readonly accounts?: AccountLookup | undefined } & UnitWrites,
  ): Promise<Hold[] | Refusal> {
    const talk = await this.talkSeconds(a.pricing, b.pricing, headSeconds, releasing, accounts);
    if (talk === 0) return { refused: 'insufficient_funds' };
    const wanted: WantedHold[] = [{ leg: b, amount: reservationFor(b.pricing.rate, talk) }];
    if (a.pricing.payer.kind !== 'operator') wanted.unshift({ leg: a, amount: reservationFor(a.pricing.rate, headSeconds + talk), ...(aSince === undefined ? {} : { since: aSince }) });
    return this.reserveAll(request, wanted, releasing, { then, first });
  }

  /** The longest affordable talk from what the payers have available now (plus holds about to be released). */
  private async talkSeconds(early: LegPricing, late: LegPricing, headSeconds: number, releasing: readonly Hold[], accounts?: AccountLookup): Promise<number> {
    const available = new Map<string, number>();
    for (const payer of [early.payer, late.payer]) {
      const owner = heldOwner(payer);
      if (!owner || available.has(fundsKey(owner))) continue;
      const released = releasing.filter((hold) => fundsKey(hold) === fundsKey(owner)).reduce((sum, hold) => sum + hold.amount, 0);
      available.set(fundsKey(owner), (await this.available(owner, accounts)) + released);
    }
    return this.limit(early, late, headSeconds, (owner) => available.get(fundsKey(owner)) ?? 0);
  }

  /**
   * What a new hold may take now: an account's balance + credit − held, a card's balance − held.
   * With `accounts`, an account's row as the admission read it (no statement of its own).
   */
  private available(owner: ReservationOwner, accounts?: AccountLookup): Promise<number> {
    return this.ctx.untilWritten(`funds of ${fundsKey(owner)}`, async () => {
      if ('cardId' in owner) {
        const card = await this.ctx.store.cards.findById(owner.cardId);
        return card ? cardAvailableMinor(card) : 0;
      }
      if (accounts) {
        const account = await accounts(owner.accountId);
        return account ? availableMinorOf(account) : 0;
      }
      return (await this.ctx.store.accounts.balance(owner.accountId))?.availableMinor ?? 0;
    });
  }

  private limit(early: LegPricing, late: LegPricing, headSeconds: number, available: (owner: ReservationOwner) => number): number {
    const owner = heldOwner(late.payer);
    if (!owner) return 0;
    const funds = available(owner);
    const capSeconds = this.ctx.capSeconds;
    const earlyOwner = heldOwner(early.payer);
    if (earlyOwner && fundsKey(earlyOwner) === fundsKey(owner)) {
      return maxTalkSecondsForTwoLegs({ rateA: early.rate, rateB: late.rate, aAlreadyAnsweredSeconds: headSeconds, availableMinor: funds, capSeconds });
    }
    // The early leg is paid by someone else (the operator, A6): only the late leg's funds count.
    return maxCallSeconds({ rate: late.rate, availableMinor: funds, capSeconds });
  }

  /**
   * Releases and reserves in one transaction: all the holds, or none and the released ones kept.
   * The amounts and each hold's key are fixed before the first try, so the transaction can be run
   * again until it lands (a database outage is waited out): a try that committed but lost its
   * answer is found by its keys on the next one, which then holds nothing twice and releases
   * nothing twice (a release of a hold no longer held changes nothing).
   */
  private async reserveAll(request: CallbackRequest, wanted: ReadonlyArray<WantedHold>, releasing: readonly Hold[], writes: UnitWrites): Promise<Hold[] | Refusal> {
    const keyed = keyHolds(wanted, randomUUID);
    // The keys are new: only a later try can find a hold under them (two queries less per hold on the call's path).
    let firstTry = true;
    const once = (): Promise<Hold[]> => {
      const fresh = firstTry;
      firstTry = false;
      return this.reserveOnce(request, keyed, releasing, fresh, writes);
    };
    const unit = (): Promise<Hold[]> => this.ctx.perAccount.run(`account:${request.accountId}`, () => retryOnDeadlock(() => rerunOnHoldRace(once)));
    try {
      // With a first write the unit is the caller's write (FirstWrite): it fails as that would.
      return await (writes.first ? unit() : this.ctx.untilWritten(`holds for ${request.id}`, unit));
    } catch (error) {
      if (error instanceof NotAffordable) return { refused: 'insufficient_funds' };
      throw error;
    }
  }

  /** One write per owner: simultaneous mode's A and B of one payer are one conditional UPDATE of their sum; `first` first, `then` last. */
  private reserveOnce(request: CallbackRequest, wanted: ReadonlyArray<KeyedHold>, releasing: readonly Hold[], firstTry: boolean, { first, then }: UnitWrites): Promise<Hold[]> {
    const reserve = async (tx: Store): Promise<Hold[]> => {
      if (first) await first(tx);
      for (const hold of releasing) await tx.reservations.release(hold.reservationId, knownHold(hold));
      const holds: Hold[] = [];
      const groups = byOwner(wanted);
      for (const [index, group] of groups.entries()) {
        const references = group.map(({ leg, amount, holdKey }) => ({ amount: minorUnits(amount), requestId: request.id, legUuid: leg.uuid, holdKey, firstTry }));
        // The last owner's holds end the unit unless `then` does: their last INSERT carries its COMMIT (a round trip less on MariaDB).
        const reservations = await tx.reservations.reserveEachFor(group[0]!.owner, references, { endsTransaction: index === groups.length - 1 && then === undefined });
        if (!reservations) throw new NotAffordable();
        group.forEach(({ leg, owner, since }, index) => {
          const reservation = reservations[index]!;
          holds.push({ legUuid: leg.uuid, reservationId: reservation.id, ...owner, amount: reservation.amountMinor, ...(since === undefined ? {} : { since }) });
        });
      }
      if (then) await asLastStatement(tx.db, () => then(tx, holds));
      return holds;
    };
    // Pipelined (MariaDB): the owner's UPDATE goes with the first INSERT, whose id is read; a refused hold runs again unpipelined.
    return inTransaction(this.ctx.db, reserve, () => this.ctx.clock.now(), { pipelined: true });
  }
}

/** What a hold transaction writes besides its holds: `first` before them, `then` after them. */
interface UnitWrites {
  readonly first?: FirstWrite | undefined;
  readonly then?: HoldsWrite | undefined;
}

interface WantedHold {
  readonly leg: PricedLeg;
  readonly amount: MinorUnits;
  readonly since?: number;
}

/** A hold about to be written: whose money, and the key that makes writing it again harmless. */
export interface KeyedHold extends WantedHold {
  readonly owner: ReservationOwner;
  readonly holdKey: string;
}

/**
 * The holds one write makes, each with its own key: nothing for a leg that costs nothing or
 * whose payer holds nothing (the operator's, A6). Pure; `newKey` is called once per hold.
 */
export function keyHolds(wanted: ReadonlyArray<WantedHold>, newKey: () => string): KeyedHold[] {
  const keyed: KeyedHold[] = [];
  for (const hold of wanted) {
    const owner = heldOwner(hold.leg.pricing.payer);
    if (hold.amount <= 0 || !owner) continue;
    keyed.push({ ...hold, owner, holdKey: newKey() });
  }
  return keyed;
}

/**
 * The holds grouped by whose money they take, each group in the order wanted and the groups in
 * the order of their first hold (the order the owners' rows are taken in). Pure.
 */
export function byOwner(wanted: ReadonlyArray<KeyedHold>): KeyedHold[][] {
  const groups = new Map<string, KeyedHold[]>();
  for (const hold of wanted) {
    const key = fundsKey(hold.owner);
    const group = groups.get(key);
    if (group) group.push(hold);
    else groups.set(key, [hold]);
  }
  return [...groups.values()];
}

/** An earlier try of the same holds committed while this one ran (HoldKeyRace): one more run finds them. */
async function rerunOnHoldRace<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof HoldKeyRace) || attempt >= attempts) throw error;
    }
  }
}

/** Whose money is held for a leg this payer pays: an account's or a card's; the operator's legs run unheld (A6). */
function heldOwner(payer: Payer): ReservationOwner | null {
  return payer.kind === 'operator' ? null : payerFunds(payer);
}

/** Whose money pays a leg: the card's for a card, otherwise the payer's account (the operator's included). */
export function payerFunds(payer: Payer): ReservationOwner {
  return payer.kind === 'card' ? { cardId: payer.cardId } : { accountId: payer.accountId };
}

/** One key per owner of money, so an account and a card with the same id never share a sum. */
/** What the store needs to close `hold` without reading its row first. */
export function knownHold(hold: Hold): KnownHold {
  return { amountMinor: hold.amount, owner: 'cardId' in hold ? { cardId: hold.cardId } : { accountId: hold.accountId } };
}

function fundsKey(owner: ReservationOwner): string {
  return 'cardId' in owner ? `card:${owner.cardId}` : `account:${owner.accountId}`;
}

function isPayer(target: ChargeTarget): target is Extract<ChargeTarget, { kind: 'account' | 'operator' }> {
  return target.kind === 'account' || target.kind === 'operator';
}

const chosenPayerSchema = z.union([
  z.object({ accountId: z.number().int().positive(), since: z.number() }),
  z.object({ cardId: z.number().int().positive(), since: z.number() }),
]);

/** The payer leg A's IVR identified (ask-destination.ts `destinationOf`), if any. */
export function chosenPayerOf(request: CallbackRequest): z.output<typeof chosenPayerSchema> | null {
  const chosen = request.data[CHOSEN_PAYER_KEY];
  // Most requests have none: a failed parse of the union builds an issue per member, which cost more than the rest of the pricing.
  if (chosen === undefined) return null;
  const parsed = chosenPayerSchema.safeParse(chosen);
  return parsed.success ? parsed.data : null;
}

/**
 * Who pays leg A from now on, when A ran on the operator and leg A's IVR identified B's payer
 * (A6): that account, or that calling card (A4: a card pays its own leg A, as it would have had
 * the caller dialed in on it).
 */
function takenOverBy(a: PricedLeg, bPayer: Payer): Payer | null {
  if (a.pricing.payer.kind !== 'operator' || bPayer.kind === 'operator') return null;
  return bPayer;
}
