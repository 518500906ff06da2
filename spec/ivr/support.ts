import { APPLICATIONS } from '../../lib/simulator/applications';
import type { Application } from '../../lib/simulator/applications/types';
import type { FreeswitchSimulator } from '../../lib/simulator';

/**
 * The simulator has no `say` (mod_say) application, and FreeSWITCH fires nothing for an unknown
 * one, so an announcement would never end. Until lib/simulator models it, tests register a
 * stand-in that takes one second and records what was said.
 */
export const said: Array<{ uuid: string; arg: string }> = [];
const say: Application = {
  names: ['say'],
  async run({ session, channel, arg }) {
    said.push({ uuid: channel.uuid, arg });
    await session.wait({ ms: 1_000 });
  },
};
(APPLICATIONS as Map<string, Application>).set('say', say);

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
