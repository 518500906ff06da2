/**
 * last_cause of a request a clean stop handed over (its lease released at once): the next
 * instance's recovery adopts its talk at once and, when the talk ends, reports the real hangup
 * cause instead of CONTROLLER_LOST.
 */
export const HANDED_OVER = 'HANDED_OVER';

/**
 * last_cause of a handed-over request that was still being set up (ringing, in the IVR) when the
 * stop's grace ran out: the next instance hangs up what is left of it and reports it failed.
 */
export const STOPPED_DURING_SETUP = 'SYSTEM_SHUTDOWN';

/**
 * What a clean stop does with a talk: `hand_over` when the switch outlives this process (external
 * FreeSWITCH keeps the bridge), `end` when it stops with it (the bundled simulator): the talk is
 * then ended and billed from the switch's report before it goes.
 */
export type StopMode = 'hand_over' | 'end';

export interface CleanStop {
  /** Whether FreeSWITCH outlives this process (external nodes), so that its talks can be handed over. */
  readonly talksOutliveUs: boolean;
  /** How long calls still being set up (ringing, in the IVR) may take to reach their talk or end. */
  readonly graceMs: number;
}
