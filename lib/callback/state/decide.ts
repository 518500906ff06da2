import type { E164 } from '../../domain/phone-number';
import type { HangupCause } from '../../esl/hangup-causes';
import type { CallbackMode } from '../../store/callback-requests';
import { ivrOutcomeForLegB, type LegBFailureSettings } from '../policy/ivr-outcome';
import { isMissingExtension, retryDecision, type LegATarget, type RetrySettings } from '../policy/retry-policy';
import { legOutcomeForCause } from './leg-state';
import type { Action, CallLeg, RequestEvent, RequestEventType } from './request-events';
import { assertTransition, isFinalState, type ActiveState, type FinalState, type RequestState } from './request-state';

/**
 * The request lifecycle as a pure reducer: given the stored state and what happened, the state to
 * persist and the actions to run afterwards, in order. The engine writes `to` with the store's
 * compare-and-set `transition` first and acts only if that succeeded, so two instances never act
 * on the same step.
 *
 * An event that means nothing in the current state (a late hangup after the request ended, a
 * duplicate `due`) is ignored: `to` is the current state, no actions, `ignored` set for the log.
 * Final states ignore everything.
 */
export interface DecideContext {
  readonly mode: CallbackMode;
  /** The request's destination; null means leg A is asked for it ("ask on leg A"). */
  readonly destination: E164 | null;
  /** Attempts at leg A made so far, counting the current one (the scheduler's claim counts each). */
  readonly attempt: number;
  /** Epoch ms. */
  readonly now: number;
  readonly retry: RetrySettings;
  /** What leg A dials (its retry rules differ for an extension); default: a number. */
  readonly legA?: LegATarget;
  readonly ivr: LegBFailureSettings;
  /** C4: after a talk ends on B's side, ask A for a new destination instead of hanging up. */
  readonly askAgainAfterTalk: boolean;
  /** Whether this request has been `bridged` at least once (the engine keeps it in request data). */
  readonly talked: boolean;
  /**
   * D1: A consults a third party C while B is held (att_xfer). If A hangs up now, FreeSWITCH
   * connects B and C and they talk on: the request waits in `transferred` until B ends.
   */
  readonly handover?: boolean;
}

export interface Decision {
  readonly to: RequestState;
  readonly actions: readonly Action[];
  readonly ignored: boolean;
}

type EventOf<T extends RequestEventType> = Extract<RequestEvent, { type: T }>;
type Step = { readonly to: RequestState; readonly actions: readonly Action[] };
/** A handler returns undefined when the event's details make it meaningless here (a hangup of a leg that is not up). */
type Handlers = { readonly [T in RequestEventType]?: (event: EventOf<T>, ctx: DecideContext) => Step | undefined };

export function decide(state: RequestState, event: RequestEvent, ctx: DecideContext): Decision {
  if (isFinalState(state)) return ignore(state);
  const step = dispatch(HANDLERS[state], event, ctx);
  if (step === undefined) return ignore(state);
  assertTransition(state, step.to);
  return { ...step, ignored: false };
}

function dispatch<T extends RequestEventType>(handlers: Handlers, event: EventOf<T>, ctx: DecideContext): Step | undefined {
  const handler: Handlers[T] = handlers[event.type as T];
  return handler?.(event, ctx);
}

function ignore(state: RequestState): Decision {
  return { to: state, actions: [], ignored: true };
}

/* --- building blocks ----------------------------------------------------------------------- */

const go = (to: RequestState, ...actions: Action[]): Step => ({ to, actions });
/** Entering a final state always ends with the one report. */
const end = (to: FinalState, ...actions: Action[]): Step => ({ to, actions: [...actions, { type: 'report', status: to }] });

const dialA: Action = { type: 'dial_a' };
const dialB = (number: E164): Action => ({ type: 'dial_b', number });
const askDestination: Action = { type: 'ask_destination' };
const bridge: Action = { type: 'bridge' };
const settle = (leg: CallLeg): Action => ({ type: 'settle_leg', leg });
const hangupA = (cause: HangupCause): Action => ({ type: 'hangup_a', cause });
const hangupB = (cause: HangupCause): Action => ({ type: 'hangup_b', cause });
/** A leg still ringing is cancelled; an answered one is cleared normally. */
const CANCEL: HangupCause = 'ORIGINATOR_CANCEL';
const CLEAR: HangupCause = 'NORMAL_CLEARING';

/** Once the parties have talked the request delivered what it was for, whatever ends it later. */
const afterTalk = (ctx: DecideContext, otherwise: FinalState): FinalState => (ctx.talked ? 'completed' : otherwise);

/**
 * Simultaneous mode needs both numbers; without a destination there is nothing to dial B with,
 * so such a request can only ask on leg A, which is source-first.
 */
function startDialing(ctx: DecideContext): Step {
  if (ctx.mode === 'simultaneous' && ctx.destination !== null) return go('dialing_both', dialA, dialB(ctx.destination));
  return go('dialing_a', dialA);
}

/** A ended unanswered; `cleanup` first ends and settles B where it exists. B is not retried on its own. */
function legAFailed(cause: HangupCause, ctx: DecideContext, ...cleanup: Action[]): Step {
  const retry = retryDecision({ ...ctx.retry, attempt: ctx.attempt, cause, now: ctx.now, ...(ctx.legA ? { legA: ctx.legA } : {}) });
  if (retry.retry) return go('retry_scheduled', ...cleanup, settle('A'), { type: 'schedule_retry', at: retry.at });
  return end(isMissingExtension(cause, ctx.legA ?? 'number') ? 'failed' : legOutcomeForCause(cause, false), ...cleanup, settle('A'));
}

/** B ended unanswered while A is up: the busy / failed prompt, then ask again or hang up (C3, C4). */
function legBFailed(cause: HangupCause, ctx: DecideContext): Step {
  const outcome = ivrOutcomeForLegB(cause, ctx.ivr);
  const prompt = promptOn('A', outcome.prompt);
  if (outcome.then === 'ask_again') return go('a_answered', settle('B'), ...prompt, askDestination);
  return end(afterTalk(ctx, outcome.legB), settle('B'), ...prompt, hangupA(CLEAR), settle('A'));
}

/**
 * B may not be dialed (funds, tariff): A hears why, then, as after a failed B, is asked again
 * or hung up. No B leg came to be; settling B closes its dial and finds nothing to book.
 */
function legBRefused(reason: string, ctx: DecideContext): Step {
  const tell: Action = { type: 'play_refusal', reason };
  if (ctx.ivr.askAgainOnFailure) return go('a_answered', settle('B'), tell, askDestination);
  return end(afterTalk(ctx, 'failed'), settle('B'), tell, hangupA(CLEAR), settle('A'));
}

/** A prompt on an answered leg, when one is configured (null or blank: none). */
function promptOn(leg: CallLeg, name: string | null): Action[] {
  return name === null || name.trim() === '' ? [] : [{ type: 'play_prompt', leg, name }];
}

/* --- the table: per state, the events it reacts to ------------------------------------------ */

const waiting: Handlers = {
  due: (_e, ctx) => startDialing(ctx),
  refused: () => end('failed'),
  cancelled: () => end('cancelled'),
};

/** A is gone and settled; B lives on (in a fax, or with a third party) until it ends or is cancelled. */
const onlyBLeft: Handlers = {
  hung_up: (e) => (e.by === 'B' ? end('completed', settle('B')) : undefined),
  cancelled: () => end('cancelled', hangupB(CLEAR), settle('B')),
};

const HANDLERS: { readonly [S in ActiveState]: Handlers } = {
  queued: waiting,
  retry_scheduled: waiting,

  // Source first: only A exists.
  dialing_a: {
    a_answered: (_e, ctx) => (ctx.destination === null ? go('a_answered', askDestination) : go('dialing_b', dialB(ctx.destination))),
    a_failed: (e, ctx) => legAFailed(e.cause, ctx),
    cancelled: () => end('cancelled', hangupA(CANCEL), settle('A')),
  },

  // Simultaneous: both ring. B failing ends the request (A cannot hear a prompt before answering).
  dialing_both: {
    a_answered: () => go('dialing_b'),
    b_answered: () => go('b_answered'),
    a_failed: (e, ctx) => legAFailed(e.cause, ctx, hangupB(CANCEL), settle('B')),
    b_failed: (e) => end(legOutcomeForCause(e.cause, false), hangupA(CANCEL), settle('B'), settle('A')),
    cancelled: () => end('cancelled', hangupA(CANCEL), hangupB(CANCEL), settle('A'), settle('B')),
  },

  // Simultaneous, B up and waiting for A. An A that never comes is explained to B (Failed IVR)
  // before B is let go: somebody picked up and deserves to know why nobody is there.
  b_answered: {
    a_answered: () => go('bridged', bridge),
    a_failed: (e, ctx) => legAFailed(e.cause, ctx, ...promptOn('B', ctx.ivr.failedIvr), hangupB(CLEAR), settle('B')),
    hung_up: (e) => (e.by === 'B' ? end('cancelled', hangupA(CANCEL), settle('B'), settle('A')) : undefined),
    cancelled: () => end('cancelled', hangupA(CANCEL), hangupB(CLEAR), settle('A'), settle('B')),
  },

  // A up in the IVR, no B.
  a_answered: {
    destination_chosen: (e) => go('dialing_b', dialB(e.number)),
    hung_up: (e, ctx) => (e.by === 'A' ? end(afterTalk(ctx, 'cancelled'), settle('A')) : undefined),
    ivr_gave_up: (_e, ctx) => end(afterTalk(ctx, 'failed'), hangupA(CLEAR), settle('A')),
    cancelled: () => end('cancelled', hangupA(CLEAR), settle('A')),
  },

  // A up hearing ringback, B ringing.
  dialing_b: {
    b_answered: () => go('bridged', bridge),
    b_failed: (e, ctx) => legBFailed(e.cause, ctx),
    b_refused: (e, ctx) => legBRefused(e.reason, ctx),
    hung_up: (e, ctx) => (e.by === 'A' ? end(afterTalk(ctx, 'cancelled'), hangupB(CANCEL), settle('A'), settle('B')) : undefined),
    new_destination_requested: () => go('a_answered', hangupB(CANCEL), settle('B'), askDestination),
    cancelled: () => end('cancelled', hangupB(CANCEL), hangupA(CLEAR), settle('B'), settle('A')),
  },

  // Talking. B leaving either loops back to the IVR (C4) or ends the call.
  bridged: {
    hung_up: (e, ctx) => {
      if (e.by === 'A' && ctx.handover === true) return go('transferred', settle('A'));
      if (e.by === 'A') return end('completed', hangupB(CLEAR), settle('A'), settle('B'));
      if (ctx.askAgainAfterTalk) return go('a_answered', settle('B'), askDestination);
      return end('completed', settle('B'), hangupA(CLEAR), settle('A'));
    },
    new_destination_requested: () => go('a_answered', hangupB(CLEAR), settle('B'), askDestination),
    // D4 *0: the same number again at once; A hears ringback as for the first B.
    b_redial_requested: (_e, ctx) => (ctx.destination === null ? undefined : go('dialing_b', hangupB(CLEAR), settle('B'), dialB(ctx.destination))),
    conference_started: () => go('conference'),
    fax_requested: (e) => go('receiving_fax', { type: 'receive_fax', path: e.path }, ...promptOn('A', e.prompt), hangupA(CLEAR), settle('A')),
    cancelled: () => end('cancelled', hangupA(CLEAR), hangupB(CLEAR), settle('A'), settle('B')),
  },

  // D5: B is in fax receive and billed until it ends; A was released (its hangup is settled already).
  receiving_fax: onlyBLeft,

  // D6: lib/features follows the members and settles each as it leaves; A or B leaving ends nothing here.
  conference: {
    conference_ended: () => end('completed', settle('A'), settle('B')),
    cancelled: () => end('cancelled', hangupA(CLEAR), hangupB(CLEAR), settle('A'), settle('B')),
  },

  // D1: A left during a consultation; B talks on with the third party (whose leg the feature settles).
  transferred: onlyBLeft,
};
