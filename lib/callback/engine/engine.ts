import type { CallSession } from '../../esl/call-session';
import { callLogger } from '../../log/logger';
import type { CallbackRequest } from '../../store/callback-requests';
import type { JsonObject } from '../../store/rows';
import type { TakenOverLease } from '../../store/request-claims';
import { engineContext, type CallbackEngineOptions, type EngineContext } from './context';
import type { EngineEventMap } from './events';
import { placeOrder, type CallbackOrder, type OrderResult } from './order';
import { firstStateOf } from './first-state';
import type { LegEnd } from './leg-events';
import { correctEstimatedLeg, type EstimateCorrected } from './estimate-correction';
import type { CleanStop, StopMode } from './clean-stop';
import { Latch } from './latch';
import { recoverRequest } from './recover';
import { legExists } from './leg-probe';
import { settleReportedEnd, type ReportedSettlement } from './reported-end';
import { readEachAccountOnce } from './account-reads';
import { requestSettings } from './request-settings';
import { RequestRunner } from './request-runner';
import { cancelStoredRequest } from './cancel-stored';

/** How often a clean stop looks again at the calls it waits for. */
const STOP_POLL_MS = 50;

/** One function for every held session's `then`, not a closure each. */
const nothing = (): void => undefined;

/** Whether an outbound-socket session is a leg this engine originated (route it to handleSession). */
export function isCallbackLeg(session: CallSession): boolean {
  return session.variable('callback_request_id') !== undefined;
}

/**
 * The request lifecycle every trigger uses (C1–C6, B1–B4): order → scheduled → dial → legs →
 * settled. Wiring:
 *
 *   const engine = new CallbackEngine({ ..., scheduler });              // scheduler.schedule/cancel
 *   createScheduler({ ..., dial: (r) => engine.dial(r), recover: (r) => engine.recover(r),
 *                     firstState: (r) => engine.firstStateFor(r) });
 *   OutboundServer.listen({ ..., handler: (s) => (isCallbackLeg(s) ? engine.handleSession(s) : accessCall(s)) })
 *
 * and `engine.on('request' | 'leg', …)` feeds the live status (W3).
 */
export class CallbackEngine {
  private readonly ctx: EngineContext;
  private readonly runners = new Map<string, RequestRunner>();
  /** Talks that outlived their controller and are followed here until they end. */
  private readonly adopted = new Map<string, Promise<void>>();
  private readonly detachEvents: () => void;
  private closed = false;
  /** Resolved by a clean stop: adopted talks are handed over again, or ended, accordingly. */
  private readonly stopping = new Latch<StopMode>();

  constructor(options: CallbackEngineOptions) {
    this.ctx = engineContext(options);
    this.detachEvents = this.ctx.telephony.onEvent((event) => this.ctx.hub.offer(event));
  }

  on<K extends keyof EngineEventMap>(type: K, listener: (change: EngineEventMap[K]) => void): () => void {
    return this.ctx.events.on(type, listener);
  }

  /**
   * Takes an order from any trigger: validated, stored once per idempotency key, scheduled. It
   * starts in a loop turn with room for new work, so a burst of orders is spread over turns.
   */
  order(input: CallbackOrder): Promise<OrderResult> {
    return this.ctx.newWork.slot().then((turnSlot) => placeOrder(this.ctx, input, turnSlot));
  }

  /**
   * W2: cancels a request. Waiting: it is dropped from the queue. Being called here: its calls
   * are ended and booked. Being called by another instance: the row is marked cancelled, and that
   * instance lets its call go when it next touches the row (a step, or its lease renewal).
   */
  async cancel(requestId: string): Promise<boolean> {
    const runner = this.runners.get(requestId);
    if (runner) {
      await runner.send({ type: 'cancelled' });
      return runner.currentState === 'cancelled';
    }
    if (await this.ctx.scheduler.cancel(requestId, 'CANCELLED')) {
      const request = await this.ctx.store.callbackRequests.findById(requestId);
      if (request) this.ctx.events.emit('request', { requestId, accountId: request.accountId, from: null, to: 'cancelled', event: 'cancelled', cause: 'CANCELLED', at: this.ctx.clock.now() });
      return true;
    }
    return cancelStoredRequest(this.ctx.store, requestId);
  }

  /**
   * The scheduler's dial: `request` is due (and normally claimed by this instance). Resolves once
   * the call is under way, not when it ends; the engine keeps the lease from then on.
   */
  async dial(request: CallbackRequest): Promise<void> {
    if (this.closed) throw new Error('the callback engine is closed');
    if (this.runners.has(request.id)) {
      callLogger(this.ctx.logger, { requestId: request.id }).warn('request is already being called here; duplicate dial ignored');
      return;
    }
    // The order dialing it right now hands over what it did: its account read and its slot.
    const handOff = this.ctx.orderHandOffs.take(request.id);
    if (!handOff?.slot) await this.startWithinTurnBudget();
    // One read of the account serves the settings and the admission right after them.
    const accounts = readEachAccountOnce(this.ctx.store, handOff?.account);
    // An order due now resolved them with its admission (written-order.ts).
    const scope = handOff?.admission?.scope ?? (await this.ctx.work.run(() => requestSettings(this.ctx, request, accounts)));
    // Another dial of the same request may have started while the settings were read.
    if (this.runners.has(request.id)) return;
    const runner = new RequestRunner(
      { ...this.ctx, ...scope },
      request,
      (done) => {
        if (this.runners.get(done.id) === done) this.runners.delete(done.id);
      },
      accounts,
      handOff?.admission,
    );
    this.runners.set(request.id, runner);
    await runner.start();
  }

  /**
   * A dial the scheduler fired (a batch of claimed jobs, the sweep's) starts within the turn's
   * budget, as an order does; and not at all if a stop began while it waited.
   */
  private async startWithinTurnBudget(): Promise<void> {
    await this.ctx.newWork.slot();
    if (this.closed) throw new Error('the callback engine is closed');
  }

  /**
   * The scheduler's recovery of a request whose instance died mid-call (O5). Resolves once it is
   * reconciled; a talk that outlived its controller is followed from then on in the background
   * (this instance works on it, see `owned`) until a party hangs up and it is settled. `lost`:
   * when the dead instance's lease ran out (the sweep's claim); without it, the row's lease.
   */
  async recover(request: CallbackRequest, lost?: TakenOverLease): Promise<void> {
    if (this.runners.has(request.id) || this.adopted.has(request.id)) {
      callLogger(this.ctx.logger, { requestId: request.id }).error('asked to recover a request this instance still works on; left alone');
      return;
    }
    const recovery = await this.ctx.work.run(() => recoverRequest(this.ctx, request, lost, this.stopping.promise));
    if (recovery.outcome !== 'adopted') return;
    const done = recovery.done
      .catch((error: unknown) => {
        callLogger(this.ctx.logger, { requestId: request.id }).error('following an adopted talk failed; the sweep recovers it', { error });
      })
      .finally(() => this.adopted.delete(request.id));
    this.adopted.set(request.id, done);
    this.ctx.work.track(done);
  }

  /**
   * The requests this instance works on under their lease (its runners and adopted talks, each
   * watching its lease from its start until it releases or retires): the only leases its heartbeat
   * renews. A runner that released its lease (its final move written) and still settles is not
   * among them: its row holds no lease any more.
   */
  owned(): string[] {
    return this.ctx.leases.ids();
  }

  /** The heartbeat could not renew the leases of these requests (owned() listed them): their runners and adopted talks stop calling. */
  leasesLost(requestIds: readonly string[]): void {
    this.ctx.leases.lost(requestIds);
  }

  /** B4: settles a leg from an end FreeSWITCH reported outside the event stream (its posted CDR); exactly once per leg. */
  settleReportedEnd(legUuid: string, end: LegEnd): Promise<ReportedSettlement | undefined> {
    return this.ctx.work.run(() => settleReportedEnd(this.ctx, legUuid, end));
  }

  /**
   * B4: whether the leg is still live, so that a CDR posted for it does not end it: held live by
   * this process (FreeSWITCH posts a leg's CDR in its reporting state and fires
   * CHANNEL_HANGUP_COMPLETE only once the post is answered, so the post must not wait for that
   * end: the CDR is kept and compared once the leg settled from it, or corrects the leg's
   * estimate), or FreeSWITCH still has it (`uuid_exists` on the leg's node). True also when the
   * node cannot be asked: a leg we cannot see ended is left to its own end or to recovery, never
   * settled from a post.
   */
  async legIsLive(legUuid: string): Promise<boolean> {
    if (this.ctx.liveLegs.held(legUuid)) return true;
    const row = await this.ctx.store.legs.findByUuid(legUuid);
    if (!row) return false;
    try {
      return await legExists(this.ctx, { uuid: row.uuid, node: row.node ?? undefined });
    } catch (error) {
      callLogger(this.ctx.logger, { requestId: row.requestId, legUuid }).warn('cannot ask FreeSWITCH whether the leg is live; taking it for live', { error: String(error) });
      return true;
    }
  }

  /**
   * B4: corrects a leg settled from an estimate to the end FreeSWITCH reported (its posted CDR):
   * the difference charged or refunded once; `reconciliation` is recorded with the CDR.
   */
  correctEstimate(legUuid: string, end: LegEnd, reconciliation: JsonObject): Promise<EstimateCorrected | undefined> {
    return this.ctx.work.run(() => correctEstimatedLeg(this.ctx, legUuid, end, reconciliation));
  }

  /**
   * The outbound-socket handler for legs this engine originated (route here every session with
   * a `callback_request_id` variable). The session is the leg's: the handler returns when the
   * call is over. A session nobody waits for (its originate was given up, or another instance's)
   * is hung up.
   */
  handleSession(session: CallSession): Promise<void> {
    // A then, not an await: this lasts as long as the call, and a suspended async function would
    // keep its frame for as long.
    if (this.ctx.waiter.offer(session)) return session.ended.then(nothing);
    return this.hangUpUnclaimed(session);
  }

  /**
   * For the outbound server's `onArrival`: a socket naming `uuid` connected and is being shaken
   * hands with and admitted; if it is one of our legs, its socket wait no longer runs out meanwhile.
   */
  socketArriving(uuid: string): () => void {
    return this.ctx.waiter.arriving(uuid);
  }

  private async hangUpUnclaimed(session: CallSession): Promise<void> {
    const log = callLogger(this.ctx.logger, { requestId: session.variable('callback_request_id'), legUuid: session.uuid });
    log.warn('socket for a leg nobody waits for; hanging up');
    await session.hangup('NORMAL_CLEARING').catch(() => undefined);
  }

  /** The state the scheduler's claim should move a due request to (its `firstState` option). */
  firstStateFor(request: CallbackRequest): string {
    return firstStateOf(this.ctx.settings, request, this.ctx.clock.now());
  }

  /** Requests being called by this instance now. */
  get active(): number {
    return this.runners.size;
  }

  /** Database and call-control work in flight (not waiting for the switch); for tests and shutdown. */
  get busy(): number {
    return this.ctx.work.busy;
  }

  /** Changes whenever work starts or ends. */
  get activity(): number {
    return this.ctx.work.activity;
  }

  /** Resolves when no call is in progress and every leg is settled. */
  idle(): Promise<void> {
    return this.ctx.work.idle();
  }

  /**
   * A clean stop (SIGTERM, SIGINT). No new dials. Talks (A and B bridged, here or adopted) are
   * handed over at once when FreeSWITCH outlives us: left up, their leases released with
   * HANDED_OVER, so the next instance adopts them on its first sweep and bills them from what
   * FreeSWITCH reports; with the bundled simulator, which stops with us, they are ended and
   * billed from its report instead. Calls still being set up get `graceMs` to reach their talk
   * (then handed over or ended likewise) or to end; the rest are handed over as they are, and
   * the next instance's recovery hangs them up and reports them failed (SYSTEM_SHUTDOWN).
   */
  async stop(options: CleanStop): Promise<void> {
    this.closed = true;
    const mode: StopMode = options.talksOutliveUs ? 'hand_over' : 'end';
    this.stopping.resolve(mode);
    const { clock } = this.ctx;
    const deadline = clock.now() + options.graceMs;
    const ended = new Set<RequestRunner>();
    for (;;) {
      const talks = [...this.runners.values()].filter((runner) => runner.talking && !ended.has(runner));
      for (const runner of talks) ended.add(runner);
      await Promise.all(talks.map((runner) => (mode === 'hand_over' ? runner.handOver() : runner.endTalk())));
      const now = clock.now();
      if ((this.runners.size === 0 && this.adopted.size === 0) || now >= deadline) break;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(STOP_POLL_MS, deadline - now)));
    }
    const left = [...this.runners.values()];
    if (left.length > 0) {
      this.ctx.logger.warn('calls still in progress when the stop grace ran out: handed over for the next instance to recover', { requests: left.map((runner) => runner.id) });
    }
    await Promise.all(left.map((runner) => runner.handOver()));
    this.close();
  }

  /** Stops taking dials; calls in progress go on (FreeSWITCH keeps bridged ones, §9) and are recovered if this process ends. */
  close(): void {
    this.closed = true;
    this.detachEvents();
  }
}
