import { describeEachDatabase } from '../support/databases';
import type { EngineRig } from '../support/engine-harness';
import { allLegsEnded, expectBilled, expectBooked, startTalking, statesOf } from '../support/talk-rig';

const TALK = { kind: 'answer', hangupAfterMs: 600_000 } as const;

describeEachDatabase('*0: hang up B and dial the same number again (D4)', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  const keep = (r: EngineRig): void => void (rig = r);

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('*0 twice: each B is hung up and settled with its own CDR and cost, each new B is a new leg row, and the talk goes on', async () => {
    const t = await startTalking(getDb(), dbEngine, keep, { destination: [TALK, TALK, TALK] });
    const { r, requestId, a, b } = t;
    const pressAndTalk = async (seconds: number, legs: number): Promise<void> => {
      await r.clock.advance(seconds * 1000);
      r.sim.sendDtmf(a.uuid, '*0');
      await r.runUntil(async () => (await r.store.legs.listForRequest(requestId)).filter((leg) => leg.state === 'bridged').length === 2 && (await r.store.legs.listForRequest(requestId)).length === legs, `B number ${legs - 1} talking`);
    };
    await pressAndTalk(20, 3);
    await pressAndTalk(70, 4);
    await r.clock.advance(30_000);
    r.sim.hangup(a.uuid, 'NORMAL_CLEARING');
    const done = await r.finish(requestId);

    expect(done.state).toBe('completed');
    expect(statesOf(r, requestId)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'dialing_b', 'bridged', 'dialing_b', 'bridged', 'completed']);
    const legs = await allLegsEnded(r, requestId);
    expect(legs.map((leg) => [leg.role, leg.state, leg.number])).toEqual([
      ['A', 'completed', a.number],
      ['B', 'completed', b.number],
      ['B', 'completed', b.number],
      ['B', 'completed', b.number],
    ]);
    expectBilled(r, legs, [120, 20, 70, 30]);
    expect(legs[0]!.uuid).toBe(a.uuid);
    expect(legs[1]!.uuid).toBe(b.uuid);
    expect(new Set(legs.map((leg) => leg.uuid)).size).toBe(4);
    const cdrs = await r.store.cdrs.listForRequest(requestId);
    expect(cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0)).toBe(legs.reduce((sum, leg) => sum + (leg.costMinor ?? 0), 0));
    await expectBooked(t, legs);
  });

  it('*0 when the new B is busy: the old B is settled, the new B is recorded busy, and the request ends completed (it talked)', async () => {
    const t = await startTalking(getDb(), dbEngine, keep, { destination: [TALK, { kind: 'busy' }] });
    const { r, requestId, a, b } = t;
    await r.clock.advance(45_000);
    r.sim.sendDtmf(a.uuid, '*0');
    const done = await r.finish(requestId);

    expect(done.state).toBe('completed');
    expect(statesOf(r, requestId)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'dialing_b', 'completed']);
    const legs = await allLegsEnded(r, requestId);
    expect(legs.map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
      ['B', 'busy'],
    ]);
    expectBilled(r, legs, [45, 45, 0]);
    expect(legs[1]!.uuid).toBe(b.uuid);
    expect(legs[2]!.hangupCause).toBe('USER_BUSY');
    expect(await r.store.cdrs.listForRequest(requestId)).toHaveLength(3);
    await expectBooked(t, legs);
  });
});
