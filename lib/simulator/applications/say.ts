import type { PlaybackRecord } from '../channel';
import { playbackStatus } from './media';
import type { Application } from './types';

/** How long mod_say takes per spoken word (a digit, a unit); the simulator has no audio to measure. */
const SAY_WORD_MS = 400;

/** The prefix under which a `say` is recorded in the channel's playbacks: `say:<module> <type> <method> <text>`. */
export const SAY_PREFIX = 'say:';

/**
 * mod_say: `say <module> <say_type> <say_method> <text>` (e.g. `en currency pronounced 9.99`).
 * FreeSWITCH plays one sound file per word, each with PLAYBACK_START/STOP, inside the
 * application's CHANNEL_EXECUTE/EXECUTE_COMPLETE; the simulator does the same with a fixed
 * length per word, and records the whole `say` once in the channel's playbacks so tests can
 * assert what was spoken. A hangup or uuid_break cuts it short.
 */
export const say: Application = {
  names: ['say'],
  async run(ctx) {
    const { core, session, channel } = ctx;
    if (!channel.up) return;
    if (channel.answerState === 'ringing') core.preAnswer(channel);
    const arg = ctx.arg.trim();
    const record: PlaybackRecord = { file: `${SAY_PREFIX}${arg}`, startedAt: core.now() };
    channel.playbacks.push(record);
    let status: 'done' | 'break' | 'hangup' = 'done';
    for (const word of spokenWords(arg)) {
      const file = `say://${word}`;
      core.emit('PLAYBACK_START', channel, { 'Playback-File-Path': file });
      const reason = await session.wait({ ms: SAY_WORD_MS, breakable: true });
      const cut = reason !== 'timeout';
      core.emit('PLAYBACK_STOP', channel, { 'Playback-File-Path': file, 'Playback-Status': playbackStatus(reason) });
      if (cut) {
        status = reason === 'hangup' || reason === 'transfer' ? 'hangup' : 'break';
        break;
      }
    }
    record.endedAt = core.now();
    record.status = status;
  },
};

/**
 * Roughly the words mod_say speaks: a word per digit of each number in the text, and one for
 * the unit of a currency or duration; at least one, so every `say` takes some time.
 */
function spokenWords(arg: string): string[] {
  const [, type = '', , ...rest] = arg.split(/\s+/);
  const text = rest.join(' ');
  const words = [...text].filter((c) => /[0-9]/.test(c));
  if (type === 'currency' || type === 'time_measurement' || type === 'CURRENCY' || type === 'TIME_MEASUREMENT') words.push(type.toLowerCase());
  return words.length > 0 ? words : ['silence'];
}
