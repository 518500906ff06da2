import { randomUUID } from 'node:crypto';
import type { E164 } from '../../domain/phone-number';
import type { CallbackRequest } from '../../store/callback-requests';
import type { AccountLookup } from './account-reads';
import type { EngineContext } from './context';
import { Funds, isRefusal, knownHold, type FirstWrite, type Hold, type LegPricing, type PricedLeg, type Refusal } from './funds';
import type { LiveLeg } from './live-leg';
import { whileClientWaits } from './until-written';

/** What a leg about to be dialed costs and has held for it. */
export interface PreparedLeg {
  readonly uuid: string;
  readonly pricing: LegPricing | undefined;
  readonly hold: Hold | undefined;
}

/**
 * The money side of one attempt: the legs' rates and payers, and the holds made for them. Leg
 * uuids are chosen before anything is dialed so that a hold names the leg it is for.
 */
export class AttemptMoney {
  private readonly funds: Funds;
  private readonly plannedA = randomUUID();
  private readonly plannedB = randomUUID();
  private pricingA: LegPricing | undefined;
  private pricingB: LegPricing | undefined;
  private readonly holds: Hold[] = [];

  constructor(private readonly ctx: EngineContext) {
    this.funds = new Funds(ctx);
  }

  /**
   * When the request is due: prices (A6, B1) and the first holds (B3), or why the call may not be
   * made. `first`: written in the holds' transaction (see FirstWrite), if the holds write one; the
   * order is then being written while its client waits, so its prices and funds are read once,
   * as its holds' transaction runs once (an outage fails the order; nothing was written).
   */
  async prepare(request: CallbackRequest, accounts: AccountLookup, first?: FirstWrite): Promise<Refusal | undefined> {
    const funds = first ? new Funds(whileClientWaits(this.ctx)) : this.funds;
    const a = await funds.priceLegA(request, accounts);
    if (isRefusal(a)) return a;
    this.pricingA = a;
    if (request.destination !== null) {
      const b = await funds.priceLegB(request, request.destination, accounts);
      if (isRefusal(b)) return b;
      this.pricingB = b;
    }
    const b = this.pricingB ? { uuid: this.plannedB, pricing: this.pricingB } : undefined;
    const holds = await funds.holdForDial(request, { uuid: this.plannedA, pricing: a }, b, accounts, first);
    if (isRefusal(holds)) return holds;
    this.holds.push(...holds);
    return undefined;
  }

  get legA(): PreparedLeg {
    return { uuid: this.plannedA, pricing: this.pricingA, hold: this.holdFor(this.plannedA) };
  }

  /** Simultaneous mode: B was priced and held with A. */
  get plannedLegB(): PreparedLeg {
    return { uuid: this.plannedB, pricing: this.pricingB, hold: this.holdFor(this.plannedB) };
  }

  /** Source first, before B is dialed: B's price, and holds for A and B for the longest talk (A's setup hold becomes A's full hold). */
  async prepareB(request: CallbackRequest, a: LiveLeg | undefined, number: E164): Promise<PreparedLeg | Refusal> {
    const pricing = await this.funds.priceLegB(request, number);
    if (isRefusal(pricing)) return pricing;
    const aPriced = a?.priced;
    if (!a || !aPriced) return { refused: 'no_payer' };
    const uuid = randomUUID();
    const holds = await a.takeHoldWith((writeRow) => this.funds.holdForTalk(request, aPriced, { uuid, pricing }, writeRow));
    if (isRefusal(holds)) return holds;
    this.holds.push(...holds);
    return { uuid, pricing, hold: holds.find((hold) => hold.legUuid === uuid) };
  }

  /** C6 before B is dialed: the talk B at `number` would get, for leg A's IVR to announce (0: none, or B may not be dialed). */
  async plannedTalkSeconds(request: CallbackRequest, a: LiveLeg | undefined, number: E164): Promise<number> {
    const aPriced = a?.priced;
    if (!aPriced) return 0;
    const pricing = await this.funds.priceLegB(request, number);
    return isRefusal(pricing) ? 0 : this.funds.plannedTalkSeconds(aPriced, pricing);
  }

  talkLimitSeconds(early: PricedLeg, late: PricedLeg, headSeconds: number): number {
    return this.funds.talkLimitSeconds(early, late, headSeconds);
  }

  /**
   * Holds made for legs that were never dialed (the request moved first, B was refused, A hung
   * up while B's holds waited for the database). A release waits out an outage too: releasing a
   * hold no longer held changes nothing, so it can run again.
   */
  async releaseUnused(dialed: ReadonlySet<string | undefined>): Promise<void> {
    for (const hold of this.holds.splice(0)) {
      if (!dialed.has(hold.legUuid)) await this.ctx.untilWritten(`release hold ${hold.reservationId}`, () => this.ctx.store.reservations.release(hold.reservationId, knownHold(hold)));
    }
  }

  private holdFor(legUuid: string): Hold | undefined {
    return this.holds.find((hold) => hold.legUuid === legUuid);
  }
}
