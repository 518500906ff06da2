import type { E164 } from '../../../lib/domain/phone-number';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';
import { memoryLogger } from '../../support/esl-fakes';

const OTHER_SOURCE = '+12025550303' as E164;
/** LegWaiter's MAX_LATE_SOCKET_MS and the engine's default socket wait. */
const MAX_LATE_MS = 2_000;
const SOCKET_WAIT_MS = 10_000;

describeEachDatabase('callback engine, one socket window per node', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it("keeps dialing on the other node while a node's answered leg never gets its socket, and dials that node again once the leg is given up, saying why", async () => {
    const { logger, records } = memoryLogger();
    const r = (rig = await startEngineRig(getDb(), dbEngine, { nodes: 2, logger }));
    const [fs1, fs2] = r.sims;
    if (!fs1 || !fs2) throw new Error('two nodes expected');
    for (const sim of r.sims) {
      sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });
      sim.setPhone(OTHER_SOURCE, { kind: 'answer' });
      sim.setPhone(SOURCE, { kind: 'answer' });
    }
    // The first leg goes to fs1 (both nodes idle: the first is taken) and its socket is lost on the way.
    fs1.setPhone(SOURCE, [{ kind: 'answer', socketLost: true }, { kind: 'answer' }]);
    const account = await r.account(1_000);
    const other = await r.account(1_000);

    const { request: stuck } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(() => fs1.channels().some((channel) => channel.answerState === 'answered'), 'the lost-socket leg answered on fs1');
    const lostLeg = fs1.channels()[0]!.uuid;
    const answeredAt = r.clock.now();
    await r.runUntil(() => r.clock.now() >= answeredAt + MAX_LATE_MS, 'the lost leg late for longer than the window allows');

    const { request: next } = await r.engine.order({ accountId: other.id, source: OTHER_SOURCE, destination: DESTINATION });
    await r.runUntil(async () => (await r.store.callbackRequests.findById(next.id))?.state === 'bridged', 'the other call bridged');
    expect(r.clock.now()).toBeLessThan(answeredAt + SOCKET_WAIT_MS);
    expect(fs1.channel(lostLeg)?.hangupCause).toBeUndefined();
    const [nextA] = await r.store.legs.listForRequest(next.id);
    expect(fs2.channel(nextA!.uuid)).toBeDefined();

    const done = await r.finish(stuck.id);
    expect(done).toMatchObject({ state: 'completed', attempts: 2 });
    expect(fs1.channel(lostLeg)?.hangupCause).toBeDefined();
    expect(records.filter((record) => record.level === 'warn' && record.legUuid === lostLeg).map((record) => [record.message, record.why])).toEqual([
      ['gave a leg up; hanging it up in case it is up', `answered, but no socket named it within ${SOCKET_WAIT_MS} ms of its +OK`],
    ]);
    expect(await r.finish(next.id)).toMatchObject({ state: 'completed', attempts: 1 });
  });
});
