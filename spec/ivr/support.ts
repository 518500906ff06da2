import type { FreeswitchSimulator } from '../../lib/simulator';
import { SAY_PREFIX } from '../../lib/simulator/applications/say';

/** What mod_say spoke on a channel, in order (`<module> <type> <method> <text>`). */
export function saidOn(sim: FreeswitchSimulator, uuid: string): string[] {
  const playbacks = sim.channel(uuid)?.playbacks ?? [];
  return playbacks.filter((p) => p.file.startsWith(SAY_PREFIX)).map((p) => p.file.slice(SAY_PREFIX.length));
}

/** Presses the next entry each time leg `number` starts collecting digits (digits before that are discarded, as in FreeSWITCH). */
export function scriptDigits(sim: FreeswitchSimulator, entries: string[]): { pressed: string[] } {
  const pressed: string[] = [];
  sim.on('event', (event) => {
    if (event.headers.get('Event-Name') !== 'CHANNEL_EXECUTE' || event.headers.get('Application') !== 'play_and_get_digits') return;
    const uuid = event.headers.get('Unique-ID');
    const next = entries.shift();
    if (uuid === undefined || next === undefined) return;
    setImmediate(() => {
      pressed.push(next);
      sim.sendDtmf(uuid, next);
    });
  });
  return { pressed };
}

/** Hangs up leg `uuid`'s channel (any channel when omitted) as soon as a playback of a file containing `fragment` starts. */
export function hangupOnPlayback(sim: FreeswitchSimulator, fragment: string): { hungUp: () => string | undefined } {
  let done: string | undefined;
  sim.on('event', (event) => {
    if (done !== undefined || event.headers.get('Event-Name') !== 'PLAYBACK_START') return;
    const uuid = event.headers.get('Unique-ID');
    if (uuid === undefined || !(event.headers.get('Playback-File-Path') ?? '').includes(fragment)) return;
    done = uuid;
    setImmediate(() => sim.hangup(uuid));
  });
  return { hungUp: () => done };
}
