import { z } from 'zod';
import { HANGUP_CAUSES, hangupCauseInfo, parseHangupCause, type HangupCause } from '../esl/hangup-causes';
import { expected } from './setting-meta';

/*
 * An access call is refused before it is answered, so only a real Q.850 cause (1–127) makes
 * sense there; FreeSWITCH's own causes above 127 (CRASH, LOSE_RACE, …) never reach a carrier.
 */
const Q850_LIMIT = 127;

export const REJECT_CAUSE_EXAMPLES = ['USER_BUSY', 'CALL_REJECTED', 'NO_ANSWER', 'NORMAL_TEMPORARY_FAILURE'] as const;

export const REJECT_CAUSE_ALLOWED =
  'a Q.850 hangup cause name or code (1–127), e.g. ' +
  REJECT_CAUSE_EXAMPLES.map((name) => `${name} or ${codeOf(name)}`).join(', ') +
  '; the full list is in lib/esl/hangup-causes.ts';

export function rejectCauses(): HangupCause[] {
  return HANGUP_CAUSES.filter((cause) => cause.code <= Q850_LIMIT).map((cause) => cause.name);
}

/** Accepts a name (any case) or a numeric code, as a number or a string of digits; yields the name. */
export function rejectCauseSchema(): z.ZodPipe<z.ZodUnion<readonly [z.ZodString, z.ZodNumber]>, z.ZodTransform<HangupCause, string | number>> {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const cause = parseHangupCause(value);
    if (cause !== undefined && codeOf(cause) <= Q850_LIMIT) return cause;
    ctx.addIssue({ code: 'custom', message: expected(REJECT_CAUSE_ALLOWED) });
    return z.NEVER;
  });
}

function codeOf(cause: HangupCause): number {
  return hangupCauseInfo(cause).code;
}
