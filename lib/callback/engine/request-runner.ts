import { extensionAddress, type ExtensionEndpoint } from '../../domain/call-endpoint';
import type { E164 } from '../../domain/phone-number';
import { CallEnded } from '../../esl/errors';
import type { HangupCause } from '../../esl/hangup-causes';
import { callLogger, type Logger } from '../../log/logger';
import type { Store } from '../../store';
import type { CallbackRequest, CallbackRequestPatch } from '../../store/callback-requests';
import { gatedByActiveForUsers } from '../policy/active-for-users';
import { assertNever } from '../state/assert-never';
import { decide, type DecideContext, type Decision } from '../state/decide';
import type { Action, CallLeg, RequestEvent } from '../state/request-events';
import { isFinalState, isRequestState, type FinalState, type RequestState } from '../state/request-state';
import { callerIdsForRequest } from './caller-ids';
import { destinationOf, withChosenPayer } from './ask-destination';
import { readEachAccountOnce, type AccountLookup } from './account-reads';
import type { OrderAdmission } from './order-hand-offs';
import type { EngineContext } from './context';
import type { FlowHost, LegTry, ModeFlow } from './flow';
import { AttemptMoney } from './attempt-money';
import { FinalSettlement } from './final-settlement';
import { auditRefusal } from './audit-refusal';
import { isRefusal, type LegPricing, type Refusal } from './funds';
import { HANDED_OVER } from './clean-stop';
import { leaseMayHaveLapsed, type LeaseWatch } from './lease';
import { concurrencyRefusal } from './limits';
import { ApiControl, SessionControl } from './leg-control';
import { LiveLeg } from './live-leg';
import { openCarrierTry, openNextTry, type TrySpec } from './carrier-tries';
import type { CarrierDial, LegTries } from '../../routing/leg-router';
import { requestData, withRequestData } from './request-data';
import { SimultaneousFlow } from './simultaneous';
import { SourceFirstFlow } from './source-first';
import { TalkTimers } from './talk-timers';

/** `refused` and `due` mean the same in both waiting states; a claimed request is decided from here. */
const WAITING: RequestState = 'queued';

/** The cause (or reason) an event carries, for `last_cause`. */
function causeOfEvent(event: RequestEvent): string | undefined {
  switch (event.type) {
    case 'a_failed':
    case 'b_failed':
    case 'hung_up':
      return event.cause;
    case 'refused':
    case 'b_refused':
    case 'ivr_gave_up':
      return event.reason;
    case 'cancelled':
      return 'CANCELLED';
    default:
      return undefined;
  }
}

/**
 * One request while this instance calls for it: a little actor. Events (from the legs, the
 * IVR, an operator) are handled one at a time: `decide` says where the request goes and what to
 * do, the new state is written with the store's compare-and-set BEFORE anything is done, and
 * only if that write won are the actions run, in order. Long waits (a ringing leg, a talk)
 * happen in detached tasks that report back with new events, so a cancel or a hangup is never
 * stuck behind them.
 *
 * A runner lives for one attempt: it retires when the request waits again (retry) or ends; a
 * retry, on whichever instance claims it, gets a new one.
 */
export class RequestRunner implements FlowHost {
  request: CallbackRequest;
  legA: LiveLeg | undefined;
  legB: LiveLeg | undefined;
  private state: RequestState;
  /** The state the row holds: `state`, unless a move is written with the next one (`writtenWithTheNextMove`). */
  private stored: RequestState;
  private readonly money: AttemptMoney;
  private readonly flow: ModeFlow;
  private readonly sourceFirst: boolean;
  private readonly timers: TalkTimers;
  private queue: Promise<void> = Promise.resolve();
  private lease: LeaseWatch | undefined;
  private retired = false;
  /** Aborted when the current talk ends: what features attached to it (onTalk) let go then. */
  private talk: AbortController | undefined;
  /** The legs' `bridged` mark written with the move to `bridged`: what announces it, for the bridge action (LiveLeg.moveWithBridged). */
  private bridgedWithTheMove: (() => void) | undefined;
  /** Legs in-call features added (role C): ended and settled with the request. */
  private readonly featureLegs = new Set<LiveLeg>();
  /** decide's `handover` (D1): the consultation feature's "is the third party up". */
  private handover: (() => boolean) | undefined;
  /** A clean stop handed the request to the next instance: nothing learnt afterwards is ours to act on. */
  private handedOver = false;
  /** Every leg row (each carrier try of A and B) this runner opened: their holds are settled by the legs, not released. */
  private readonly opened = new Set<string>();
  /** Every settlement of a leg this runner started: the request is final only once all have landed. */
  private readonly settlements: Array<Promise<unknown>> = [];

  constructor(
    readonly ctx: EngineContext,
    request: CallbackRequest,
    private readonly onRetire: (runner: RequestRunner) => void,
    /** The account reads of this runner's admission (the engine's dial shares them with the settings). */
    private readonly accounts: AccountLookup = readEachAccountOnce(ctx.store),
    /** The admission its order made with its row (an order due now, written-order.ts): not priced nor held again. */
    private readonly admission?: Pick<OrderAdmission, 'money' | 'refusal'>,
  ) {
    this.request = request;
    this.state = isRequestState(request.state) ? request.state : WAITING;
    this.stored = this.state;
    this.money = admission?.money ?? new AttemptMoney(ctx);
    this.timers = new TalkTimers(ctx.clock, () => this.log);
    // Simultaneous mode needs a destination to ring; without one it is source first (decide agrees).
    this.sourceFirst = !(request.mode === 'simultaneous' && request.destination !== null);
    this.flow = this.sourceFirst ? new SourceFirstFlow(this) : new SimultaneousFlow(this);
  }

  get id(): string {
    return this.request.id;
  }

  get currentState(): RequestState {
    return this.state;
  }

  /**
   * The request is due: its first attempt or a retry. The scheduler's claim has written `due`'s
   * decision already (the first dialing state, `firstStateFor`, and the attempt), so what is left
   * is pricing and holding, the A5 limit (a refusal ends the request, audited) and the dial actions.
   */
  start(): Promise<void> {
    if ((this.state !== 'dialing_a' && this.state !== 'dialing_both') || this.request.claimedBy !== this.ctx.instanceId) {
      this.log.error('cannot dial a request not claimed for dialing by this instance', { state: this.state, claimedBy: this.request.claimedBy });
      this.retire();
      return Promise.resolve();
    }
    this.lease = this.ctx.leases.watch(this.id, () => void this.enqueue(() => this.onLeaseLost()));
    const started = this.queue.then(() => this.ctx.work.run(() => this.admit()));
    this.queue = started.catch(() => undefined);
    // The scheduler logs a failed dial and recovers the request once its lease runs out; this
    // runner must not keep renewing that lease.
    return started.catch((error: unknown) => {
      this.retire();
      throw error;
    });
  }

  /**
   * Prices and holds (B1, B3; an order due now did with its row: `written-order.ts`), then checks the A5 limit and dials. The check and the dial run for
   * one request of the account at a time, until its legs are written: a request counts once it
   * has a leg, so two of them cannot both fit the last free slot. A refusal is audited and ends
   * the request; holds it made are released when the runner retires.
   */
  private async admit(): Promise<void> {
    const claimedAt = this.ctx.clock.now();
    const refusal =
      this.switchedOff() ??
      (this.admission ? this.admission.refusal : await this.money.prepare(this.request, this.accounts)) ??
      (await this.ctx.perAccount.run(`admit:${this.request.accountId}`, async () => {
        const overLimit = await concurrencyRefusal(this.ctx, this.request, this.accounts);
        if (overLimit) return overLimit;
        if (await this.leaseHeld(claimedAt)) await this.begin();
        return undefined;
      }));
    if (!refusal) return;
    await this.refuse(refusal, { destination: this.request.destination });
    // decide takes refusals from a waiting state; the claim moved the row on, the store takes it from there.
    if (!(await this.step({ type: 'refused', reason: refusal.refused }, WAITING))) await this.releaseUnusedHolds();
  }

  /** A scheduled callback comes due after `activeForUsers` was switched off: it is refused like a new order. */
  private switchedOff(): Refusal | undefined {
    return !this.ctx.settings.activeForUsers && gatedByActiveForUsers(this.request.trigger) ? { refused: 'callback_disabled' } : undefined;
  }

  /**
   * Pricing and holds may have waited out a database outage long enough for the lease to run out
   * (its renewals failed meanwhile) and the sweep to hand the request to a recovery: then nothing
   * is dialed here, the holds go with the runner, and the recovery dials it. Asked only once a
   * renewal was due, so an ordinary admission costs no extra query.
   */
  private async leaseHeld(claimedAt: number): Promise<boolean> {
    const { ctx } = this;
    if (!leaseMayHaveLapsed(claimedAt, ctx.clock.now(), ctx.leaseMs)) return true;
    const kept = await ctx.untilWritten(`lease of ${this.id}`, () => ctx.store.callbackRequests.renewLease(this.id, ctx.instanceId, ctx.clock.now(), ctx.leaseMs));
    if (kept) return true;
    this.log.warn('lease ran out while the call was set up; leaving the request to its recovery');
    this.retire();
    return false;
  }

  /** `due`'s actions; its state and attempt are the claim's write. */
  private async begin(): Promise<void> {
    const decision = decide(WAITING, { type: 'due' }, this.decideContext());
    // The scheduler was not wired with firstStateFor: dialing now would disagree with the row.
    if (decision.to !== this.state) throw new Error(`claimed into ${this.state}, but due goes to ${decision.to}`);
    // Only a retry comes back to a waiting state other than queued, and only after an attempt.
    this.announce(this.request.attempts > 1 ? 'retry_scheduled' : 'queued', decision.to, 'due', undefined);
    for (const action of decision.actions) await this.act(action);
  }

  /** Queues an event behind the one being handled; never rejects (a failed step is logged). */
  send(event: RequestEvent): Promise<void> {
    return this.enqueue(async () => void (await this.step(event)));
  }

  /** Made for each line, like a leg's: a child logger held for the call's life was ~0.5 KB of heap per held call. */
  get log(): Logger {
    return callLogger(this.ctx.logger, { requestId: this.request.id });
  }

  detach(task: Promise<unknown>): void {
    this.ctx.work.track(task.catch(this.reportTaskFailure));
  }

  /** One function for all of a call's detached tasks (~5 per call, each held until its leg ends) instead of one closure each. */
  private readonly reportTaskFailure = (error: unknown): void => void this.log.error('call task failed', { error: errorText(error), stack: stackOf(error) });

  async openLeg(role: CallLeg, number: E164, nodes: readonly string[]): Promise<LegTry | undefined> {
    const ids = await callerIdsForRequest(this.ctx, this.request, role === 'A' ? this.request.destination : number);
    const spec = { role, attempt: this.request.attempts, number };
    if (role === 'A') {
      const prepared = this.money.legA;
      const tries = await this.route(number, ids.legA.number, prepared.pricing, nodes, requestData(this.request.data).trunk);
      const via = await tries.next();
      this.legA = await this.openTry({ ...spec, ...prepared, callerId: ids.legA.number }, via);
      return { leg: this.legA, via, tries };
    }
    const prepared = this.sourceFirst ? await this.money.prepareB(this.request, this.legA, number) : this.money.plannedLegB;
    if (isRefusal(prepared)) return this.refuseB(prepared, number);
    if (this.sourceFirst && !this.legA?.isUp) {
      // A hung up while B's price and holds waited for the database: its hangup, queued behind
      // this step, ends the request; B is never dialed and its hold goes when the runner retires.
      this.log.info('leg A ended before leg B could be dialed', { destination: number });
      return undefined;
    }
    const tries = await this.route(number, ids.legB.number, prepared.pricing, nodes, undefined);
    const via = await tries.next();
    this.legB = await this.openTry({ ...spec, ...prepared, callerId: ids.legB.number }, via);
    return { leg: this.legB, via, tries };
  }

  async openExtensionLeg(extension: ExtensionEndpoint): Promise<LiveLeg> {
    const ids = await callerIdsForRequest(this.ctx, this.request, this.request.destination);
    const spec = { role: 'A' as const, attempt: this.request.attempts, number: extensionAddress(extension), callerId: ids.legA.number };
    this.legA = await this.openTry({ ...spec, ...this.money.legA }, undefined);
    return this.legA;
  }

  async nextTry(failed: LegTry, cause: HangupCause): Promise<LegTry | undefined> {
    const { leg } = failed;
    const next = await openNextTry(this.ctx, failed, cause, (spec, via) => this.openTry(spec, via));
    if (!next) return undefined;
    if (leg.role === 'A') this.legA = next.leg;
    else this.legB = next.leg;
    this.settleInBackground(leg);
    return next;
  }

  private route(number: E164, callerId: E164 | undefined, pricing: LegPricing | undefined, nodes: readonly string[], pinnedCarrier: string | undefined): Promise<LegTries> {
    return this.ctx.router.plan({ number, callerId, sellRate: pricing?.rate, pinnedCarrier, nodes, choice: this.ctx.route }, this.log);
  }

  private async openTry(spec: TrySpec, via: CarrierDial | undefined): Promise<LiveLeg> {
    const leg = await openCarrierTry(this.ctx, this.id, spec, via);
    this.opened.add(leg.uuid);
    return leg;
  }

  // --- the cycle: decide, persist, act ---------------------------------------------------------

  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.queue
      .then(() => (this.handedOver ? undefined : this.ctx.work.run(work)))
      .catch((error: unknown) => void this.log.error('request step failed', { error: errorText(error), stack: stackOf(error) }));
    this.queue = run;
    return run;
  }

  /** True when the event moved the request (and its actions ran). */
  private async step(event: RequestEvent, decideFrom: RequestState = this.state, retried = false): Promise<boolean> {
    const decision = decide(decideFrom, event, this.decideContext());
    if (decision.ignored) {
      this.log.debug('event ignored', { state: decideFrom, event: event.type });
      return false;
    }
    const final = isFinalState(decision.to);
    const ending = final ? await this.endEveryLeg(decision, decideFrom) : undefined;
    // The one action taken before its decision is written: joining two answered legs (README, "Acting before the write").
    const joined = joinsBeforeItsWrite(decision) ? this.join().catch((error: unknown) => void this.log.error('joining the legs failed', { error: errorText(error) })) : undefined;
    const persisted = await this.persist(event, decision, ending);
    if (!persisted) {
      // The legs were joined for a decision that lost: what the winner decided ends them (abandon), or this event is decided again.
      await joined;
      // Another actor (an operator's cancel on another instance, a recovery) moved the row first.
      const fresh = await this.ctx.untilWritten(`read request ${this.id}`, () => this.ctx.store.callbackRequests.findById(this.id));
      if (fresh) this.request = fresh;
      const state = fresh && isRequestState(fresh.state) ? fresh.state : undefined;
      this.log.warn('request changed under us', { expected: this.state, found: fresh?.state, event: event.type });
      if (state === undefined || isFinalState(state)) {
        if (state !== undefined) this.state = this.stored = state;
        await this.abandon();
        return false;
      }
      this.state = this.stored = state;
      return retried ? false : this.step(event, state, true);
    }
    if (!final) for (const action of decision.actions) await this.act(action, joined);
    if (final || this.state === 'retry_scheduled') this.retire();
    return true;
  }

  /**
   * A request is final only when every leg is settled (#16.2): a client that stops at the final
   * state must read the billed cost with nothing held. So a decision that ends the request runs
   * its actions (the Busy or Failed IVR on A, the hangups) while the row still shows the state it
   * leaves, waits for every leg's settlement (CDR and money booked, hold released) and for the
   * holds of legs never dialed to go, and only then is the final state written and announced.
   * The legs this decision settles after its last prompt are settled in the final move's own
   * transaction (returned: `FinalSettlement`); a leg settled before a prompt (B busy, while A
   * hears the Busy IVR) is settled at once, so that its end is not announced seconds late, and
   * awaited here with those whose settlement began before.
   * The lease is still ours meanwhile; a cancel from another instance that lands first wins the
   * write, and everything done here is idempotent (hangups of gone legs, settlements once per leg).
   */
  private async endEveryLeg(decision: Decision, from: RequestState): Promise<FinalSettlement> {
    if (from === 'bridged') await this.talkEnded(decision.to);
    const ending = new FinalSettlement(this.ctx, () => this.log);
    const joinedFrom = afterItsLastPrompt(decision.actions);
    for (const [i, action] of decision.actions.entries()) await this.act(action, undefined, i >= joinedFrom ? ending : undefined);
    await this.letGo([...this.featureLegs]);
    this.featureLegs.clear();
    await this.ctx.work.waitFor(Promise.allSettled(this.settlements));
    await this.releaseUnusedHolds().catch((error: unknown) => this.log.error('could not release unused holds', { error: errorText(error) }));
    return ending;
  }

  private decideContext(): DecideContext {
    const { ctx, request } = this;
    const data = requestData(request.data);
    return {
      mode: request.mode,
      destination: request.destination,
      attempt: Math.max(1, request.attempts),
      now: ctx.clock.now(),
      retry: { maxRetries: Math.max(0, request.maxAttempts - 1), retryIntervalSeconds: ctx.settings.retryIntervalSeconds },
      legA: data.extension ? 'extension' : 'number',
      // A parked leg (simultaneous mode) has no IVR to come back to.
      ivr: { busyIvr: ctx.settings.busyIvr, failedIvr: ctx.settings.failedIvr, askAgainOnFailure: this.sourceFirst && ctx.askAgainOnFailure(request) },
      askAgainAfterTalk: this.sourceFirst && ctx.askAgainAfterTalk(request),
      talked: data.talked,
      handover: this.handover?.() ?? false,
    };
  }

  /** Compare-and-set from the state the row holds; false when the row is no longer in it. */
  private async persist(event: RequestEvent, decision: Decision, ending: FinalSettlement | undefined): Promise<boolean> {
    const from = this.state;
    const to = decision.to;
    if (writtenWithTheNextMove(from, decision)) {
      this.state = to;
      this.request = { ...this.request, state: to, stateChangedAt: this.ctx.clock.now() };
      this.announce(from, to, event.type, undefined);
      return true;
    }
    const patch: CallbackRequestPatch = {};
    for (const action of decision.actions) if (action.type === 'schedule_retry') patch.dueAt = action.at;
    // Waiting again or done: any instance may take it (the retry), or nobody needs to.
    if (isFinalState(to) || to === 'retry_scheduled') patch.release = true;
    const cause = causeOfEvent(event);
    if (cause !== undefined) patch.lastCause = cause.slice(0, 64);
    if (event.type === 'destination_chosen') patch.destination = event.number;
    if (to === 'bridged' && !requestData(this.request.data).talked) patch.data = withRequestData(this.request.data, { talked: true });
    const bridging = to === 'bridged' && decision.actions.some((action) => action.type === 'bridge');
    if (!(await this.transition(this.stored, to, patch, ending, bridging))) return false;

    // Released: the lease is nobody's now, so there is nothing left to renew.
    if (patch.release) this.lease?.stop();
    const now = this.ctx.clock.now();
    this.state = this.stored = to;
    this.request = {
      ...this.request,
      state: to,
      stateChangedAt: now,
      destination: patch.destination ?? this.request.destination,
      dueAt: patch.dueAt ?? this.request.dueAt,
      lastCause: patch.lastCause ?? this.request.lastCause,
      data: patch.data ?? this.request.data,
      ...(patch.release ? { claimedBy: null, leaseUntil: null } : {}),
      version: this.request.version + 1,
    };
    // A final move ended the talk before its actions (endEveryLeg).
    if (from === 'bridged' && to !== 'bridged' && !isFinalState(to)) await this.talkEnded(to);
    this.announce(from, to, event.type, cause);
    return true;
  }

  /**
   * The compare-and-set, waiting out a database outage: nothing was done for this event yet, so
   * the event (a hangup during a talk) is handled late instead of dropped. A try that committed
   * but lost its answer with the connection shows as our own move on the next try. A final move
   * is written in one transaction with the settlements of the legs that ended with it (`ending`),
   * a move to `bridged` whose action bridges the legs with their `bridged` mark (`bridging`).
   */
  private async transition(from: RequestState, to: RequestState, patch: CallbackRequestPatch, ending: FinalSettlement | undefined, bridging: boolean): Promise<boolean> {
    let tries = 0;
    const move = (store: Store): Promise<boolean> => {
      tries += 1;
      return store.callbackRequests.transition(this.id, from, to, patch);
    };
    const what = `request ${this.id} ${from} → ${to}`;
    const moved = ending ? await ending.writeWith(what, move) : await this.moveAlone(what, move, bridging);
    if (moved || tries === 1) return moved;
    const requests = this.ctx.store.callbackRequests;
    const row = await this.ctx.untilWritten(`read request ${this.id}`, () => requests.findById(this.id));
    return row !== null && row.state === to && row.version === this.request.version + 1;
  }

  /** The move in a unit of its own; one to `bridged` takes the legs' `bridged` mark along (one commit for both, issue #20). */
  private async moveAlone(what: string, move: (store: Store) => Promise<boolean>, bridging: boolean): Promise<boolean> {
    const { legA: a, legB: b } = this;
    if (bridging && a && b) {
      const withMark = await LiveLeg.moveWithBridged([a, b], what, move);
      if (withMark) {
        this.bridgedWithTheMove = withMark.publish;
        return withMark.moved;
      }
    }
    return this.ctx.untilWritten(what, () => move(this.ctx.store));
  }

  /** W3: a persisted move of the request. */
  private announce(from: RequestState, to: RequestState, event: RequestEvent['type'], cause: string | undefined): void {
    this.log.info('request moved', { from, to, event, cause });
    this.ctx.events.emit('request', { requestId: this.id, accountId: this.request.accountId, from, to, event, cause: cause ?? null, at: this.ctx.clock.now() });
  }

  /** One action; a failing one is logged and the rest still run (a failed prompt must not keep a leg unbilled). */
  private async act(action: Action, joined?: Promise<void>, ending?: FinalSettlement): Promise<void> {
    try {
      await this.run(action, joined, ending);
    } catch (error) {
      this.log.error('action failed', { action: action.type, error: errorText(error), stack: stackOf(error) });
    }
  }

  /**
   * `joined`: the legs were joined already, before the decision was written (step). `ending`:
   * the decision ends the request, and the legs it settles are settled with its final move.
   */
  private async run(action: Action, joined?: Promise<void>, ending?: FinalSettlement): Promise<void> {
    switch (action.type) {
      case 'dial_a':
        return this.flow.dialA();
      case 'dial_b':
        return this.flow.dialB(action.number);
      case 'ask_destination':
        return this.askDestination();
      case 'bridge':
        return this.bridge(joined);
      case 'play_prompt':
        return this.playPrompt(action.leg === 'A' ? this.legA : this.legB, this.ctx.promptFile(action.name, this.ctx.settings.language));
      case 'play_refusal':
        return this.playPrompt(this.legA, this.ctx.promptFile(this.refusalPrompt(action.reason), this.ctx.settings.language));
      case 'receive_fax':
        return this.receiveFax(action.path);
      case 'hangup_a':
        return this.hangup(this.legA, action.cause);
      case 'hangup_b':
        return this.hangup(this.legB, action.cause);
      case 'settle_leg': {
        const leg = action.leg === 'A' ? this.legA : this.legB;
        if (leg && !ending?.take(leg)) this.settleInBackground(leg);
        return;
      }
      case 'schedule_retry':
        return this.ctx.scheduler.schedule(this.id, action.at);
      case 'report':
        return this.report(action.status);
      default:
        return assertNever(action);
    }
  }

  // --- actions shared by both modes -------------------------------------------------------------

  private async bridge(joined: Promise<void> | undefined): Promise<void> {
    await (joined ?? this.join());
    const a = this.legA;
    const b = this.legB;
    if (!a || !b) return;
    // Written with the move (its unit announced them), or else: the marks take the legs to
    // `bridged` at once and their rows (one statement) when the database lets them (they wait out
    // an outage): the talk's features must not wait for that.
    const announce = this.bridgedWithTheMove;
    this.bridgedWithTheMove = undefined;
    const marked = announce === undefined ? LiveLeg.markBridged([a, b]) : undefined;
    this.startTalkHook(a, b);
    announce?.();
    await marked;
  }

  /**
   * A and B joined (uuid_bridge in simultaneous mode; the bridge application did it in source
   * first) and the talk's limit set, on our timers and on the switch: nothing here waits for the
   * database, and a talk never runs without its limit, whenever its decision is written.
   */
  private async join(): Promise<void> {
    await this.flow.connect();
    const a = this.legA;
    const b = this.legB;
    if (a && b) this.startTalkLimit(a, b);
  }

  /** In-call features (lib/features) attach to the talk here and let go when `ended` aborts. */
  private startTalkHook(a: LiveLeg, b: LiveLeg): void {
    const hook = this.ctx.onTalk;
    if (!hook) return;
    this.talk?.abort();
    const talk = (this.talk = new AbortController());
    const session = a.control instanceof SessionControl ? a.control.session : undefined;
    hook({
      ctx: this.ctx,
      request: this.request,
      legA: a,
      legB: b,
      session,
      log: this.log,
      send: (event) => this.send(event),
      ended: talk.signal,
      addLeg: (leg) => void this.featureLegs.add(leg),
      setHandover: (when) => void (this.handover = when),
    });
  }

  /**
   * C6: the talk may last what the call's holds pay for, counted from the later answer; the
   * earlier leg's head start is what it ran before. Warning tone and hard stop both go to A. The
   * switch's copy of the stop goes to B: B lives for this one talk, while A may go back to the
   * IVR (C4) and would carry it into the next one; hanging up B ends A too, by our hand or, with
   * us gone, by A's dialplan ending (capture 08b) or the uuid_bridge.
   */
  private startTalkLimit(a: LiveLeg, b: LiveLeg): void {
    const now = this.ctx.clock.now();
    const [early, late] = (a.answeredAt ?? now) <= (b.answeredAt ?? now) ? [a, b] : [b, a];
    const earlyPriced = early.priced;
    const latePriced = late.priced;
    if (!earlyPriced || !latePriced) {
      this.log.error('talk without pricing; no limit can be enforced');
      return;
    }
    const talkStartMs = late.answeredAt ?? now;
    const headSeconds = Math.ceil(Math.max(0, talkStartMs - (early.answeredAt ?? talkStartMs)) / 1000);
    this.timers.start({
      talkStartMs,
      limitSeconds: this.money.talkLimitSeconds(earlyPriced, latePriced, headSeconds),
      warningSecondsBefore: this.ctx.warningSecondsBefore,
      warn: () => a.control.playDuringTalk(this.ctx.warningTone),
      stop: () => a.control.hangup('ALLOTTED_TIMEOUT'),
      stopOnSwitch: (atMs) => b.control.hangupAt(atMs, 'ALLOTTED_TIMEOUT'),
    });
  }

  private async talkEnded(to: RequestState): Promise<void> {
    this.handover = undefined;
    this.talk?.abort();
    // D6: A and B talk on in the conference, on the same holds: the C6 stop still stands.
    if (to === 'conference') return;
    this.timers.cancel();
    // C4: A is back in the IVR, or hears B redialed, no longer bridged. A request that ends here
    // hangs A up next: A stays bridged until its hangup completes it, so that the live status
    // (and the demo's log) does not show a second "answered" for a call that is ending.
    if (this.legA?.isUp && (to === 'a_answered' || to === 'dialing_b')) await this.legA.mark('answered');
  }

  private async playPrompt(leg: LiveLeg | undefined, file: string): Promise<void> {
    if (leg?.isUp) await this.ctx.work.waitFor(leg.control.playPrompt(file));
  }

  /** What A hears when B may not be dialed: "insufficient funds", or "that number cannot be called". */
  private refusalPrompt(reason: string): string {
    return reason === 'insufficient_funds' ? this.ctx.prompts.insufficientFunds : this.ctx.prompts.destinationNotAllowed;
  }

  /**
   * D5: B leaves the bridge for mod_spandsp's `rxfax` in an inline dialplan; when the fax ends the
   * dialplan is exhausted and FreeSWITCH hangs B up, which settles it. A stays under its socket
   * (capture 12c2: the peer transferred away ends A's bridge, not its socket application).
   */
  private async receiveFax(path: string): Promise<void> {
    const b = this.legB;
    if (!b?.isUp) return;
    // B is never ours through a socket: the bridge's B leg, or a parked leg (simultaneous mode).
    if (b.control instanceof ApiControl) await b.control.transferInline([['rxfax', path]]);
    else this.log.error('leg B is not controlled through the API; no fax reception', { path });
  }

  private async hangup(leg: LiveLeg | undefined, cause: HangupCause): Promise<void> {
    if (leg?.isUp) await this.ctx.work.waitFor(leg.control.hangup(cause));
  }

  /** C2: leg A chooses the destination; the answer comes back as an event. */
  private askDestination(): void {
    const control = this.legA?.control;
    if (!(control instanceof SessionControl)) {
      this.detach(this.send({ type: 'ivr_gave_up', reason: 'no_ivr_on_leg' }));
      return;
    }
    const { ctx, request } = this;
    this.detach(
      (async () => {
        try {
          const number = destinationOf(request, await ctx.asker.ask({
            session: control.session,
            request,
            settings: ctx.settings,
            promptFile: ctx.promptFile(ctx.prompts.enterDestination, ctx.settings.language),
            talkSeconds: (destination, payer) => this.money.plannedTalkSeconds(withChosenPayer(request, payer, ctx.clock.now()), this.legA, destination),
          }), ctx.clock.now());
          await this.send(number === null ? { type: 'ivr_gave_up', reason: 'no_destination' } : { type: 'destination_chosen', number });
        } catch (error) {
          // A hung up in the IVR: its own hangup ends the request.
          if (error instanceof CallEnded) return;
          this.log.error('destination step failed', { error: errorText(error) });
          await this.send({ type: 'ivr_gave_up', reason: 'ivr_error' });
        }
      })(),
    );
  }

  private report(status: FinalState): void {
    this.log.info('request ended', { status, attempts: this.request.attempts, cause: this.request.lastCause });
  }

  // --- refusals -------------------------------------------------------------------------------

  /** B may not be dialed: audited, and decide says what A hears and what comes next. */
  private async refuseB(refusal: Refusal, destination: E164): Promise<undefined> {
    await this.refuse(refusal, { destination });
    this.detach(this.send({ type: 'b_refused', reason: refusal.refused }));
    return undefined;
  }

  private refuse(refusal: Refusal, context: Record<string, string | null>): Promise<void> {
    return auditRefusal(this.ctx, this.request, this.log, refusal, context);
  }

  private releaseUnusedHolds(): Promise<void> {
    // A hold keeps the uuid of the leg it was made for; a later carrier try of that leg carries it.
    return this.money.releaseUnused(this.opened);
  }

  // --- the end of the runner ---------------------------------------------------------------------

  private retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.timers.cancel();
    this.talk?.abort();
    this.lease?.stop();
    this.detach(this.releaseUnusedHolds());
    this.onRetire(this);
  }

  /** The request ended elsewhere (cancelled by another instance, recovered): let our legs go and book them. */
  private async abandon(): Promise<void> {
    await this.letGo([this.legA, this.legB, ...this.featureLegs]);
    this.featureLegs.clear();
    this.retire();
  }

  /** Legs still up go (a feature's leg at the request's end), and each is booked once (settle is idempotent). */
  private async letGo(legs: ReadonlyArray<LiveLeg | undefined>): Promise<void> {
    for (const leg of legs) {
      if (!leg) continue;
      if (leg.isUp) await leg.control.hangup(leg.state === 'dialing' || leg.state === 'ringing' ? 'ORIGINATOR_CANCEL' : 'NORMAL_CLEARING').catch(() => undefined);
      this.settleInBackground(leg);
    }
  }

  /** A settlement waits for the leg's end: it runs beside the request's steps, and the final one waits for it. */
  private settleInBackground(leg: LiveLeg): void {
    const settled = leg.settle();
    this.settlements.push(settled);
    this.detach(settled);
  }

  // --- a clean stop ------------------------------------------------------------------------------

  /** A and B are talking on the switch: a talk a clean stop can hand over or end. */
  get talking(): boolean {
    return !this.retired && this.state === 'bridged';
  }

  /**
   * A clean stop, when the switch outlives us: the request is left as it is on FreeSWITCH (a
   * bridge outlives its controller, and B's talk limit is on the switch since the talk began) and
   * its lease released at once with HANDED_OVER, so the next instance adopts it on its first sweep
   * and bills it from what FreeSWITCH reports. This runner then ignores whatever it hears (the
   * sockets closing as we stop are not the call ending). True when handed over.
   */
  handOver(): Promise<boolean> {
    let handed = false;
    return this.enqueue(async () => {
      if (this.retired) return;
      this.handedOver = true;
      this.timers.cancel();
      this.talk?.abort();
      this.lease?.stop();
      for (const leg of [this.legA, this.legB, ...this.featureLegs]) if (leg) this.ctx.hub.forget(leg.uuid);
      try {
        handed = await this.ctx.store.callbackRequests.handOver(this.id, this.ctx.instanceId, this.ctx.clock.now(), HANDED_OVER);
      } catch (error) {
        // Its lease then runs out as after a crash, and the sweep recovers it later.
        this.log.error('could not hand the request over; it is recovered once its lease runs out', { error: errorText(error) });
      }
      if (handed) this.log.info('handed over to the next instance', { state: this.state, legs: [this.legA?.uuid, this.legB?.uuid].filter(Boolean) });
      this.retire();
    }).then(() => handed);
  }

  /**
   * A clean stop, when the switch stops with us (the bundled simulator): the talk is ended the
   * way A hanging up ends it, so both legs are settled from the switch's own report.
   */
  endTalk(): Promise<void> {
    return this.enqueue(async () => {
      if (this.talking) await this.legA?.control.hangup('NORMAL_CLEARING');
    });
  }

  /** Our lease was taken (we were presumed dead): whoever holds it now decides; we stop calling. */
  private async onLeaseLost(): Promise<void> {
    // The heartbeat's report may come after this runner's own last move released the lease.
    if (this.retired) return;
    const fresh = await this.ctx.store.callbackRequests.findById(this.id);
    // A cancel from elsewhere (another instance's API, the CLI) releases the lease on purpose.
    if (fresh?.state === 'cancelled') this.log.info('cancelled elsewhere; ending its legs');
    else this.log.error('lost the lease on a request being called', { state: fresh?.state, owner: fresh?.claimedBy });
    if (fresh) this.request = fresh;
    if (fresh && isRequestState(fresh.state)) this.state = this.stored = fresh.state;
    await this.abandon();
  }
}

/**
 * Simultaneous mode's first answer (`dialing_both` → `dialing_b` or `b_answered`) does nothing and
 * records nothing the leg's own row (its `answered` mark) does not: the row keeps `dialing_both`
 * until the next move (the bridge, or the end), whose compare-and-set goes from there. One
 * statement and one commit less per call; a cancel or a recovery meanwhile finds `dialing_both`
 * and ends the call as it would from either (README, "Which writes a call makes").
 */
function writtenWithTheNextMove(from: RequestState, decision: Decision): boolean {
  return from === 'dialing_both' && decision.actions.length === 0 && !isFinalState(decision.to);
}

/** Where a final decision's actions no longer wait for a prompt: its settlements from there on join its final move. */
function afterItsLastPrompt(actions: readonly Action[]): number {
  let first = 0;
  for (const [i, action] of actions.entries()) if (action.type === 'play_prompt' || action.type === 'play_refusal') first = i + 1;
  return first;
}

/**
 * Joining two answered legs may go before the compare-and-set of its decision: it dials nobody
 * and moves no money, and every way the write can lose ends those legs anyway (README, "Acting
 * before the write"). Everything else is written first.
 */
function joinsBeforeItsWrite(decision: Decision): boolean {
  return decision.to === 'bridged' && decision.actions.length === 1 && decision.actions[0]?.type === 'bridge';
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function stackOf(error: unknown): string | undefined {
  return error instanceof Error ? error.stack : undefined;
}
