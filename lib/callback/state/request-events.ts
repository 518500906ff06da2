import type { E164 } from '../../domain/phone-number';
import type { HangupCause } from '../../esl/hangup-causes';
import type { LegRole } from '../../store/legs';
import type { FinalState } from './request-state';

/** The two legs the request lifecycle drives (leg C, the D1/D6 third party, is a feature's own). */
export type CallLeg = Extract<LegRole, 'A' | 'B'>;

/** What happened, as the engine reports it to `decide`. */
export type RequestEvent =
  /** The request's due time came: its first attempt, or a retry. */
  | { readonly type: 'due' }
  /** A due request may not be dialed after all (A6 tariff, A5 limits, balance), checked when due. */
  | { readonly type: 'refused'; readonly reason: string }
  | { readonly type: 'a_answered' }
  /** Leg A ended without answering. */
  | { readonly type: 'a_failed'; readonly cause: HangupCause }
  | { readonly type: 'b_answered' }
  /** Leg B ended without answering. */
  | { readonly type: 'b_failed'; readonly cause: HangupCause }
  /** Leg B may not be dialed after all (B3 funds, B1 tariff, no payer), checked when A chose it; nothing was dialed. */
  | { readonly type: 'b_refused'; readonly reason: string }
  /** An answered leg hung up; `by` is the leg whose party (or network) ended it. */
  | { readonly type: 'hung_up'; readonly by: CallLeg; readonly cause: HangupCause }
  /** The IVR on leg A collected and validated a destination (C2). */
  | { readonly type: 'destination_chosen'; readonly number: E164 }
  /** The subscriber pressed #11 or ** (D2, D8): end B and ask for a new destination. */
  | { readonly type: 'new_destination_requested' }
  /** D5 `*1`: hand B to fax receive (rxfax into `path`); A hears `prompt` (null: none) and is released. */
  | { readonly type: 'fax_requested'; readonly path: string; readonly prompt: string | null }
  /** D6 `*3`: the third party answered; A, B and C are being joined in a conference. */
  | { readonly type: 'conference_started' }
  /** D6: the conference is over (every member left, the last one ended by us). */
  | { readonly type: 'conference_ended' }
  /** The subscriber pressed *0 (D4): hang up B and dial the same number again at once. */
  | { readonly type: 'b_redial_requested' }
  /** The IVR on leg A gave up (PIN lockout, no valid destination, no balance). */
  | { readonly type: 'ivr_gave_up'; readonly reason: string }
  /** An operator, the API or the subscriber cancelled the request (W2). */
  | { readonly type: 'cancelled' };

export type RequestEventType = RequestEvent['type'];

/**
 * What the engine must do, in order, after persisting the new state. Hangups name the cause to
 * send: ORIGINATOR_CANCEL for a leg still ringing, NORMAL_CLEARING for an answered one.
 */
export type Action =
  | { readonly type: 'dial_a' }
  | { readonly type: 'dial_b'; readonly number: E164 }
  /** Run the destination IVR on leg A (C2). */
  | { readonly type: 'ask_destination' }
  /**
   * Connect A and B. When B was dialed from A's session with FreeSWITCH's bridge application they
   * are connected already and the engine has nothing to do; in simultaneous mode it is a uuid_bridge.
   */
  | { readonly type: 'bridge' }
  /**
   * Play a prompt on an answered leg and wait for it to finish: A, which goes on afterwards, or a
   * waiting B (C5), which we reach only through the API and which hangs up after it.
   */
  | { readonly type: 'play_prompt'; readonly leg: CallLeg; readonly name: string }
  /** Tell A why B may not be dialed (the engine has a prompt per refusal reason) and wait for it to finish. */
  | { readonly type: 'play_refusal'; readonly reason: string }
  /** D5: B leaves the bridge for FreeSWITCH's fax receiver (`rxfax <path>`), and hangs up when it ends. */
  | { readonly type: 'receive_fax'; readonly path: string }
  | { readonly type: 'hangup_a'; readonly cause: HangupCause }
  | { readonly type: 'hangup_b'; readonly cause: HangupCause }
  /** The leg is over (or being hung up): write its CDR and release its reservation (B3, B4). Once per dialed leg. */
  | { readonly type: 'settle_leg'; readonly leg: CallLeg }
  /** Put the request back in the queue for `at` (epoch ms). */
  | { readonly type: 'schedule_retry'; readonly at: number }
  /** The request ended: status webhook and live-status event (W3). Exactly once, always last. */
  | { readonly type: 'report'; readonly status: FinalState };

export type ActionType = Action['type'];
