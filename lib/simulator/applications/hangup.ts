import { causeForSipStatus, parseHangupCause } from '../../esl/hangup-causes';
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

/** `sched_hangup [+]<seconds> [cause]`: the leg is hung up later, by the clock. */
export const schedHangup: Application = {
  names: ['sched_hangup'],
  async run({ core, session, channel, arg }) {
    const [when = '', cause = 'ALLOTTED_TIMEOUT'] = arg.trim().split(/\s+/);
    const seconds = Number(when.replace(/^\+/, ''));
    if (!Number.isFinite(seconds) || seconds < 0) return;
    const timer = core.after(seconds * 1000, () => core.hangup(channel, parseHangupCause(cause) ?? 'ALLOTTED_TIMEOUT'));
    session.hangupHooks.push(() => timer.cancel());
  },
};
