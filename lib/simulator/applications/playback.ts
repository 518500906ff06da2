import { playFile, playbackTerminators } from './media';
import type { Application } from './types';

/**
 * Sets current_application_response as mod_dptools does: FILE PLAYED, PLAYBACK ERROR when cut
 * off, FILE NOT FOUND for a file switch_ivr_play_file cannot open (no PLAYBACK_START/STOP then).
 */
export const playback: Application = {
  names: ['playback'],
  async run(ctx) {
    const file = ctx.arg.trim();
    if (ctx.core.config.missingFiles.has(file)) {
      ctx.channel.setVar('current_application_response', 'FILE NOT FOUND');
      return;
    }
    // Digits pressed before the playback are not its terminators (FreeSWITCH's park loop ate them).
    ctx.session.digits.length = 0;
    const result = await playFile(ctx, file, { terminators: playbackTerminators(ctx.channel.getVar('playback_terminators')) });
    ctx.channel.setVar('current_application_response', result === 'done' || result === 'break' ? 'FILE PLAYED' : 'PLAYBACK ERROR');
  },
};
