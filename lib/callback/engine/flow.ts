import type { ExtensionEndpoint } from '../../domain/call-endpoint';
import type { E164 } from '../../domain/phone-number';
import type { CallSession } from '../../esl/call-session';
import type { HangupCause } from '../../esl/hangup-causes';
import type { CarrierDial, LegTries } from '../../routing/leg-router';
import type { Logger } from '../../log/logger';
import type { CallbackRequest } from '../../store/callback-requests';
import type { CallLeg, RequestEvent } from '../state/request-events';
import type { EngineContext } from './context';
import type { LiveLeg } from './live-leg';

/** Whoever owns a leg's tries: the request's runner (legs A and B), a feature's leg C (lib/features/feature-leg.ts). */
export interface TryOwner {
  /**
   * A try failed with `cause` before answering. If the cause is a route cause and another carrier
   * has room, the next try: its own row (the hold moves to it), now the owner's current leg, the
   * failed one settled. Undefined: the leg fails with `cause`, as a leg without carriers would.
   */
  nextTry(failed: LegTry, cause: HangupCause): Promise<LegTry | undefined>;
}

/** The request's side that the mode flows work with; the runner implements it. */
export interface FlowHost extends TryOwner {
  readonly ctx: EngineContext;
  readonly request: CallbackRequest;
  readonly log: Logger;
  readonly legA: LiveLeg | undefined;
  readonly legB: LiveLeg | undefined;
  /** Reports what happened to a leg; queued behind the step in progress, so never awaited from an action. */
  send(event: RequestEvent): Promise<void>;
  /** Runs a background part of the call (following a leg) without blocking the request's steps. */
  detach(task: Promise<unknown>): void;
  /**
   * Routes the leg (the carriers that may carry it from `nodes`), writes its row for the first
   * carrier with room and makes it the request's current leg A or B; undefined when B may not be
   * dialed (refused, reported). A leg no carrier can take now is opened without one (`via`
   * undefined): it fails with `tries.noCarrierCause` without being dialed.
   */
  openLeg(role: CallLeg, number: E164, nodes: readonly string[]): Promise<LegTry | undefined>;
  /** Writes the row of leg A to a user on the node (call_extension): no carrier, one try. */
  openExtensionLeg(extension: ExtensionEndpoint): Promise<LiveLeg>;
}

/** A leg row and the carrier this try of the leg goes out through. */
export interface LegTry {
  readonly leg: LiveLeg;
  readonly via: CarrierDial | undefined;
  readonly tries: LegTries;
}

/**
 * How one mode (C1 source first, C5 simultaneous) carries out decide's dial and bridge actions;
 * prompts, hangups and settlement are the same for both and stay in the runner.
 */
export interface ModeFlow {
  dialA(): Promise<void>;
  dialB(number: E164): Promise<void>;
  /** Connects A and B once both answered. */
  connect(): Promise<void>;
}

/** A talk between A and B, as in-call features (lib/features) see it. */
export interface Talk {
  readonly ctx: EngineContext;
  readonly request: CallbackRequest;
  readonly legA: LiveLeg;
  readonly legB: LiveLeg;
  /** A's outbound socket (source first); undefined in simultaneous mode, where A is parked. */
  readonly session: CallSession | undefined;
  readonly log: Logger;
  /** Feeds an event to the request (e.g. `new_destination_requested`), queued like any other. */
  send(event: RequestEvent): Promise<void>;
  /** Aborted when the talk ends (the request leaves `bridged`) or the runner retires. */
  readonly ended: AbortSignal;
  /**
   * Makes a leg a feature added (role C, lib/features/feature-leg.ts) part of the request: when
   * the request ends (or is abandoned) it is hung up if still up and settled, like A and B.
   */
  addLeg(leg: LiveLeg): void;
  /**
   * D1: while `when()` holds (A consults a third party that is up, so FreeSWITCH connects B with
   * it if A leaves), A hanging up does not end B: the request moves to `transferred` and
   * completes when B ends. Asked when A's hangup is decided; undefined clears it.
   */
  setHandover(when: (() => boolean) | undefined): void;
}

/** Called once per talk, when the request enters `bridged`; attaches to `talk.ended` to clean up. */
export type TalkHook = (talk: Talk) => void;
