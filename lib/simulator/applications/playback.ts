import { playFile, playbackTerminators } from './media';
import type { Application } from './types';

/** Sets current_application_response as mod_dptools does: FILE PLAYED, or PLAYBACK ERROR when cut off. */
export const playback: Application = {
  names: ['playback'],
  async run(ctx) {
    // Digits pressed before the playback are not its terminators (FreeSWITCH's park loop ate them).
    ctx.session.digits.length = 0;
    const result = await playFile(ctx, ctx.arg.trim(), { terminators: playbackTerminators(ctx.channel.getVar('playback_terminators')) });
    ctx.channel.setVar('current_application_response', result === 'done' || result === 'break' ? 'FILE PLAYED' : 'PLAYBACK ERROR');
  },
};
