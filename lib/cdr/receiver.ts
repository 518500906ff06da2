import type { EstimateCorrected, LegEnd, ReportedSettlement } from '../callback/engine';
import { reportedLegEnd } from '../callback/engine';
import { parseHangupCause } from '../esl/hangup-causes';
import { callLogger, type Logger } from '../log/logger';
import { ACTIVE_STATES } from '../scheduler/request-states';
import type { Cdr, JsonObject, Store } from '../store';
import type { Clock } from '../time/clock';
import type { ReportedCdr } from './json-cdr-body';
import { reconcile, type Decision, type Difference, type OurSettlement } from './reconcile';

/**
 * What became of one posted CDR; `duplicate`: received before, nothing changed; `corrected`: our
 * settlement was an estimate and was corrected to the CDR, the money with it; `deferred`: the leg
 * is still live on its node, so the CDR is kept (pending) for the leg's own end to be reconciled with.
 */
export type CdrOutcome = 'settled' | 'deferred' | 'agrees' | 'discrepancy' | 'corrected' | 'unknown_leg' | 'duplicate';

/** What the receiver asks of the engine (CallbackEngine). */
export interface ReportedEndBooks {
  /** Settles a leg that never recorded an end from the end FreeSWITCH reported (exactly once). */
  settleReportedEnd(legUuid: string, end: LegEnd): Promise<ReportedSettlement | undefined>;
  /**
   * Whether the leg is still live on its node (`uuid_exists` through the inbound connection). A
   * node that cannot be asked counts as live: a CDR must never end a leg we cannot see ended.
   */
  legIsLive(legUuid: string): Promise<boolean>;
  /** Corrects a leg settled from an estimate to the end FreeSWITCH reported (exactly once); records `reconciliation` with the CDR. */
  correctEstimate(legUuid: string, end: LegEnd, reconciliation: JsonObject): Promise<EstimateCorrected | undefined>;
}

export interface CdrReceiverDependencies {
  store: Store;
  clock: Clock;
  logger: Logger;
  engine: ReportedEndBooks;
  /**
   * Recovers requests whose controller is gone (the scheduler's sweep): run when a CDR settled the
   * last open leg of such a request, so that it is final now rather than at the next sweep.
   */
  recoverAbandoned?: () => Promise<unknown>;
  /** Told every outcome (a metric). */
  count?: (outcome: CdrOutcome) => void;
  /**
   * How long a CDR of a leg that is no longer live waits for the socket's end of that leg
   * (CHANNEL_HANGUP_COMPLETE, usually in flight) before the leg is settled from the CDR.
   */
  socketEndGraceMs?: number;
}

/** freeswitch.cdrGraceSeconds's default, in ms. */
const DEFAULT_SOCKET_END_GRACE_MS = 5_000;
/** How often the grace looks for the socket's settlement (it may land on another instance, so it is read from the store). */
const GRACE_POLL_MS = 100;

/**
 * B4: takes FreeSWITCH's CDRs (mod_json_cdr), once per leg: stores each as received, then
 * reconciles it with what the event stream told us. A leg we never saw end is left alone while
 * its node still has it (the CDR waits for the leg's own end), and otherwise, once the socket's end
 * did not come within the grace, rated and settled from the CDR (exactly once: settleLeg's unique
 * CDR row; never beyond the leg's hold); a leg we settled from an estimate is
 * corrected to it, the difference charged or refunded (exactly once: the adjustment's unique
 * row); a leg we settled from what we saw is compared, and a disagreement is recorded, logged
 * and counted. A CDR received twice changes nothing the second time; one whose reconciliation
 * failed half-way is finished by its next post (FreeSWITCH retries what we did not answer with 2xx).
 */
export class CdrReceiver {
  /** Per leg, the reconciliation of its CDR under way in this process (the next one waits for it). */
  private readonly reconciling = new Map<string, Promise<void>>();

  constructor(private readonly deps: CdrReceiverDependencies) {}

  async receive(cdr: ReportedCdr): Promise<CdrOutcome> {
    const { store } = this.deps;
    const stored = await store.freeswitchCdrs.insert({
      legUuid: cdr.legUuid,
      node: cdr.node,
      requestId: cdr.requestId,
      startedAt: cdr.startedAt,
      answeredAt: cdr.answeredAt,
      endedAt: cdr.endedAt,
      billsec: cdr.billsec,
      hangupCause: cdr.hangupCause,
      raw: cdr.raw,
    });
    return this.oneAtATime(cdr.legUuid, async () => {
      const reconciliation = (await store.freeswitchCdrs.findByLegUuid(cdr.legUuid))?.reconciliation;
      if (reconciliation === undefined || reconciliation === 'pending') return this.counted(await this.reconcile(cdr));
      // Stored now and reconciled already: the leg's own settlement met it first (and counted it).
      return stored ? reconciliation : this.counted('duplicate');
    });
  }

  /** One reconciliation of a leg's CDR at a time in this process (a post, and the leg's settlement meeting the stored CDR). */
  private async oneAtATime<T>(legUuid: string, work: () => Promise<T>): Promise<T> {
    const before = this.reconciling.get(legUuid) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.reconciling.set(legUuid, tail);
    try {
      return await mine;
    } finally {
      if (this.reconciling.get(legUuid) === tail) this.reconciling.delete(legUuid);
    }
  }

  /** Reconciles each stored, still pending CDR once the engine settled its leg (see reconcileStored). */
  followSettlements(engine: { on(type: 'leg', listener: (change: { legUuid: string; cause: string | null }) => void): () => void }): () => void {
    return engine.on('leg', (change) => {
      // A leg's change carries its cause only once it is settled.
      if (change.cause === null) return;
      this.reconcileStored(change.legUuid).catch((error: unknown) => {
        this.deps.logger.error('reconciling a stored CDR after the leg settled failed; its next post or recovery finishes it', { legUuid: change.legUuid, error: String(error) });
      });
    });
  }

  /**
   * Reconciles a CDR stored earlier for a leg that was live then, now that the leg was settled by
   * its own end (the socket or a recovery). Nothing when there is none, or it is reconciled already.
   */
  async reconcileStored(legUuid: string): Promise<CdrOutcome | undefined> {
    return this.oneAtATime(legUuid, async () => {
      const stored = await this.deps.store.freeswitchCdrs.findByLegUuid(legUuid);
      if (stored?.reconciliation !== 'pending') return undefined;
      const settled = await this.deps.store.cdrs.findByLegUuid(legUuid);
      // Unsettled yet; or settled from this very CDR, which its own reconciliation marks.
      if (!settled || settled.source === 'json_cdr') return undefined;
      const hangupCause = parseHangupCause(stored.hangupCause) ?? 'NORMAL_UNSPECIFIED';
      return this.counted(await this.reconcile({ ...stored, hangupCause }));
    });
  }

  private async reconcile(cdr: ReportedCdr): Promise<Exclude<CdrOutcome, 'duplicate'>> {
    const decision = await this.decide(cdr);
    if (decision.action === 'correct') return this.correct(cdr, decision.differences);
    if (decision.action !== 'settle') return this.record(cdr, decision);
    // FreeSWITCH posts a leg's CDR before its CHANNEL_HANGUP_COMPLETE reaches us, and a live leg
    // must never be ended by a post: only an end FreeSWITCH would report settles from a CDR.
    if (await this.deps.engine.legIsLive(cdr.legUuid)) return this.deferred(cdr);
    const seen = await this.socketEndWithinGrace(cdr.legUuid);
    if (seen) return this.recordOrCorrect(cdr, await this.decide(cdr));
    const settled = await this.deps.engine.settleReportedEnd(cdr.legUuid, reportedLegEnd(cdr));
    if (!settled) return this.record(cdr, { action: 'unknown_leg' });
    if (!settled.written) {
      // Someone settled it in between (the controller's own event, a recovery): compare with theirs.
      return this.recordOrCorrect(cdr, await this.decide(cdr));
    }
    await this.deps.store.freeswitchCdrs.markReconciled(cdr.legUuid, 'settled', { state: settled.state, costMinor: settled.costMinor });
    this.log(cdr, settled.requestId).warn('leg settled from the CDR FreeSWITCH posted: its end never reached us', {
      billsec: cdr.billsec,
      cause: cdr.hangupCause,
      costMinor: settled.costMinor,
    });
    await this.finishIfAbandoned(settled.requestId);
    return 'settled';
  }

  /** The leg is live: the CDR stays pending, for the leg's own end (or a recovery) to settle and reconcile it. */
  private deferred(cdr: ReportedCdr): 'deferred' {
    this.log(cdr, cdr.requestId).info('CDR posted for a leg still live on its node; kept until the leg ends', { node: cdr.node, billsec: cdr.billsec });
    return 'deferred';
  }

  /** Waits up to the grace for the leg's settlement by its own end; true when it came. */
  private async socketEndWithinGrace(legUuid: string): Promise<boolean> {
    const { store, clock } = this.deps;
    const until = clock.now() + (this.deps.socketEndGraceMs ?? DEFAULT_SOCKET_END_GRACE_MS);
    for (;;) {
      if (await store.cdrs.findByLegUuid(legUuid)) return true;
      const left = until - clock.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(GRACE_POLL_MS, left)));
    }
  }

  /** Our settlement was an estimate (a recovery settled a leg whose end nobody saw): FreeSWITCH's figures replace it, money included. */
  private async correct(cdr: ReportedCdr, differences: readonly Difference[]): Promise<Exclude<CdrOutcome, 'duplicate'>> {
    const reconciliation: JsonObject = { differences: differences.map((d) => ({ ...d })), estimated: true };
    const corrected = await this.deps.engine.correctEstimate(cdr.legUuid, reportedLegEnd(cdr), reconciliation);
    // Corrected by someone else in between (a racing post of the same CDR): our side now is FreeSWITCH's.
    if (!corrected?.adjustment) return this.record(cdr, await this.decide(cdr));
    const { adjustment } = corrected;
    this.log(cdr, corrected.requestId).warn('estimated leg corrected to the CDR FreeSWITCH posted', {
      differences,
      estimatedCostMinor: adjustment.estimatedCostMinor,
      correctedCostMinor: adjustment.correctedCostMinor,
      amountMinor: adjustment.amountMinor,
      operatorAmountMinor: adjustment.operatorAmountMinor,
    });
    return 'corrected';
  }

  private recordOrCorrect(cdr: ReportedCdr, decision: Decision): Promise<Exclude<CdrOutcome, 'duplicate'>> {
    return decision.action === 'correct' ? this.correct(cdr, decision.differences) : this.record(cdr, decision);
  }

  private async decide(cdr: ReportedCdr): Promise<Decision> {
    const { store } = this.deps;
    const [leg, ours] = await Promise.all([store.legs.findByUuid(cdr.legUuid), store.cdrs.findByLegUuid(cdr.legUuid)]);
    return reconcile(cdr, leg, ours && settlementOf(ours));
  }

  private async record(cdr: ReportedCdr, decision: Decision): Promise<Exclude<CdrOutcome, 'duplicate' | 'settled' | 'corrected'>> {
    const differing = decision.action === 'discrepancy' || decision.action === 'correct';
    const estimated = decision.action === 'correct' || (decision.action === 'discrepancy' && decision.estimated);
    const details: JsonObject | null = differing ? { differences: decision.differences.map((d) => ({ ...d })), estimated } : null;
    // Still unsettled after a settlement that wrote nothing cannot happen (settleLeg writes the CDR
    // row first), nor an estimate that could not be corrected; were it to, someone must look.
    const result = decision.action === 'settle' || decision.action === 'correct' ? 'discrepancy' : decision.action;
    await this.deps.store.freeswitchCdrs.markReconciled(cdr.legUuid, result, details);
    if (differing) {
      this.log(cdr, cdr.requestId).warn('FreeSWITCH CDR disagrees with the settled leg', { differences: decision.differences, estimated });
    } else if (decision.action === 'unknown_leg') {
      this.log(cdr, cdr.requestId).info('FreeSWITCH CDR for a leg we did not dial; kept', { node: cdr.node, cause: cdr.hangupCause });
    }
    return result;
  }

  /** The request's controller is gone (its lease ran out) and nothing of it is open any more: recover it now. */
  private async finishIfAbandoned(requestId: string): Promise<void> {
    const { store, clock, recoverAbandoned } = this.deps;
    const request = await store.callbackRequests.findById(requestId);
    if (!recoverAbandoned || !request || !ACTIVE_STATES.includes(request.state)) return;
    if (request.leaseUntil !== null && request.leaseUntil >= clock.now()) return;
    if ((await store.legs.listForRequest(requestId)).some((leg) => leg.endedAt === null)) return;
    await recoverAbandoned();
  }

  private log(cdr: ReportedCdr, requestId: string | null): Logger {
    return callLogger(this.deps.logger, { requestId: requestId ?? undefined, legUuid: cdr.legUuid });
  }

  private counted<T extends CdrOutcome>(outcome: T): T {
    this.deps.count?.(outcome);
    return outcome;
  }
}

function settlementOf(cdr: Cdr): OurSettlement {
  return { billsec: cdr.billsec, hangupCause: cdr.hangupCause, estimated: cdr.raw?.reported === false };
}
