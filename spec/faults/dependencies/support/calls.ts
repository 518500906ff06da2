import type { E164 } from '../../../../lib/domain/phone-number';
import type { FreeswitchSimulator } from '../../../../lib/simulator';
import type { EngineRig } from '../../../support/engine-harness';

/** Numbers of the n-th subscriber and the n-th destination (US, so the demo tariffs rate them). */
export const sourceNumber = (n: number): E164 => `+1202556${String(n).padStart(4, '0')}` as E164;
export const destinationNumber = (n: number): E164 => `+1202557${String(n).padStart(4, '0')}` as E164;

/** Leg A originates per subscriber number, across every node: what "dialed exactly once" is counted on. */
export function countOriginates(sims: readonly FreeswitchSimulator[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sim of sims) {
    sim.on('command', (_connection, line) => {
      if (!/^bgapi originate /.test(line)) return;
      const number = /carrier\/\+?(\d+)/.exec(line)?.[1];
      if (number) counts.set(`+${number}`, (counts.get(`+${number}`) ?? 0) + 1);
    });
  }
  return counts;
}

const FINAL = new Set(['completed', 'busy', 'no_answer', 'failed', 'cancelled']);

/** Steps the rig until every request is final and every leg of them has ended and been settled. */
export async function finishAll(rig: EngineRig, ids: readonly string[], what: string): Promise<void> {
  await rig.runUntil(async () => {
    for (const id of ids) {
      const request = await rig.store.callbackRequests.findById(id);
      if (!request || !FINAL.has(request.state)) return false;
    }
    if (rig.engine.active !== 0) return false;
    for (const id of ids) if ((await rig.store.legs.listForRequest(id)).some((leg) => leg.endedAt === null)) return false;
    return true;
  }, what);
}
