import { causeForSipStatus, parseHangupCause } from '../../esl/hangup-causes';
import type { SwitchCore } from '../core';
import type { Session } from '../session';
import type { Application } from './types';

export const hangup: Application = {
  names: ['hangup'],
  async run({ core, channel, arg }) {
    core.hangup(channel, parseHangupCause(arg.trim() || 'NORMAL_CLEARING') ?? 'NORMAL_CLEARING');
  },
};

/**
 * `respond <code> [reason]`: 1xx/2xx progress or answer the leg; anything else refuses the
 * unanswered leg with the mapped cause, with no hangup command needed (capture 04b).
 */
export const respond: Application = {
  names: ['respond'],
  async run({ core, channel, arg }) {
    const code = Number.parseInt(arg.trim(), 10);
    if (!Number.isInteger(code)) return;
    if (code === 180) core.ringReady(channel);
    else if (code === 183) core.preAnswer(channel);
    else if (code >= 200 && code < 300) core.answer(channel);
    else if (code >= 300 && !channel.answered) core.hangup(channel, causeForSipStatus(code));
  },
};

/**
 * FreeSWITCH's scheduled hangup, shared by the application and the API: `+N` is N seconds from
 * the current whole epoch second, a bare number an absolute epoch second, and the task runs when
 * the clock reaches that second (FreeSWITCH's scheduler counts whole seconds, so `+N` can fire up
 * to a second early). `+0` hangs up at once. Several may be pending; each fires unless the leg is
 * gone. False when `when` is not a time.
 */
export function scheduleHangup(core: SwitchCore, session: Session, when: string, causeText: string | undefined): boolean {
  const match = /^(\+)?(\d+)$/.exec(when);
  if (!match) return false;
  const seconds = Number(match[2]);
  const cause = parseHangupCause(causeText ?? 'ALLOTTED_TIMEOUT') ?? 'ALLOTTED_TIMEOUT';
  if (match[1] && seconds === 0) {
    core.hangup(session.channel, cause);
    return true;
  }
  const at = (match[1] ? Math.floor(core.now() / 1000) + seconds : seconds) * 1000;
  const timer = core.after(Math.max(0, at - core.now()), () => core.hangup(session.channel, cause));
  session.hangupHooks.push(() => timer.cancel());
  return true;
}

/** `sched_hangup [+]<seconds> [cause]`: the leg is hung up later, by the clock. */
export const schedHangup: Application = {
  names: ['sched_hangup'],
  async run({ core, session, arg }) {
    const [when = '', cause] = arg.trim().split(/\s+/);
    scheduleHangup(core, session, when, cause);
  },
};
