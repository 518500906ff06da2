import type { E164 } from '../../lib/domain/phone-number';
import type { PhoneScript } from '../../lib/simulator';
import type { Leg } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import type { EngineRig } from '../support/engine-harness';
import { recordUnhandledRejections } from '../support/unhandled-rejections';
import { allLegsEnded, expectBilled, expectBooked, startTalking, statesOf, type Talking } from '../support/talk-rig';

const THIRD = '+12025550303' as E164;
/** What A keys in for THIRD (the account's country is the US). */
const CONSULT_THIRD = '##12025550303#';
const HOLD_MUSIC = 'local_stream://moh';

describeEachDatabase('##N#: consult a third party while B holds (D1)', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  const keep = (r: EngineRig): void => void (rig = r);

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  /** A and B talk for 10 s, then A keys ##THIRD#. */
  async function consulting(third: PhoneScript): Promise<Talking> {
    const talking = await startTalking(getDb(), dbEngine, keep, { features: { consultHoldMusic: HOLD_MUSIC } });
    talking.r.sim.setPhone(THIRD, third);
    await talking.r.clock.advance(10_000);
    talking.r.sim.sendDtmf(talking.a.uuid, CONSULT_THIRD);
    await talking.r.runUntil(async () => (await legC(talking)) !== undefined, 'C has its row');
    return talking;
  }

  async function legC({ r, requestId }: Talking): Promise<Leg | undefined> {
    return (await r.store.legs.listForRequest(requestId)).find((leg) => leg.role === 'C');
  }

  async function untilC(t: Talking, state: string): Promise<void> {
    await t.r.runUntil(async () => (await legC(t))?.state === state, `C ${state}`);
  }

  /** The request completed, A and B and then C (in `cState`) ended, each billed at least `billed[i]` and booked. */
  async function expectSettled(t: Talking, billed: readonly number[], cState = 'completed'): Promise<Leg[]> {
    const done = await t.r.finish(t.requestId);
    expect(done.state).toBe('completed');
    const legs = await allLegsEnded(t.r, t.requestId);
    expect(legs.map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
      ['C', cState],
    ]);
    expectBilled(t.r, legs, billed);
    await expectBooked(t, legs);
    return legs;
  }

  it('C answers: A talks to C while B hears the hold music; # drops C and A is back with B; all three legs are billed and settled', async () => {
    const t = await consulting({ kind: 'answer' });
    const { r, a, b, requestId } = t;
    await untilC(t, 'bridged');
    const c = (await legC(t))!;
    expect(r.sim.channel(a.uuid)?.bridgedTo).toBe(c.uuid);
    expect(r.sim.channel(c.uuid)?.variables.origination_uuid).toBe(c.uuid);
    expect(r.sim.channel(b.uuid)?.playbacks.map((p) => p.file)).toContain(HOLD_MUSIC);
    // B heard none of the keys.
    expect(r.sim.channel(b.uuid)?.dtmfReceived).toEqual([]);
    await r.clock.advance(60_000);
    r.sim.sendDtmf(a.uuid, '#');
    await untilC(t, 'completed');
    await r.runUntil(() => r.sim.channel(a.uuid)?.bridgedTo === b.uuid, 'A back with B');
    await r.clock.advance(30_000);
    r.sim.hangup(a.uuid, 'NORMAL_CLEARING');
    const legs = await expectSettled(t, [100, 100, 60]);
    expect(statesOf(r, requestId)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'completed']);
    expect(legs[2]!.number).toBe(THIRD);
  });

  it('* during the consultation ends the talk with everyone: C, B and A, the request completed', async () => {
    const t = await consulting({ kind: 'answer' });
    const { r, a } = t;
    await untilC(t, 'bridged');
    await r.clock.advance(45_000);
    r.sim.sendDtmf(a.uuid, '*');
    const legs = await expectSettled(t, [55, 55, 45]);
    expect(legs.every((leg) => r.sim.channel(leg.uuid)?.answerState === 'hangup')).toBe(true);
  });

  it('A hangs up during the consultation: B and C stay connected, are billed until they end, and the request completes then', async () => {
    const t = await consulting({ kind: 'answer', hangupAfterMs: 300_000 });
    const { r, a, b, requestId } = t;
    await untilC(t, 'bridged');
    const c = (await legC(t))!;
    await r.clock.advance(20_000);
    r.sim.hangup(a.uuid, 'NORMAL_CLEARING');
    await r.runUntil(async () => (await r.store.callbackRequests.findById(requestId))?.state === 'transferred', 'handed over');
    await r.runUntil(() => r.sim.channel(b.uuid)?.bridgedTo === c.uuid, 'B with C');
    expect((await r.store.legs.findByUuid(b.uuid))?.endedAt).toBeNull();
    // C hangs up 300 s after answering; B goes with it.
    // C talks its 300 s; B from its answer until C's end.
    const legs = await expectSettled(t, [30, 310, 300]);
    expect(statesOf(r, requestId)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'transferred', 'completed']);
    expect(legs[2]!.billsec).toBe(300);
  });

  it('B hanging up during the consultation ends the call as any B hangup does: C is hung up with it, every leg settled', async () => {
    const t = await consulting({ kind: 'answer' });
    const { r, b } = t;
    await untilC(t, 'bridged');
    await r.clock.advance(15_000);
    r.sim.hangup(b.uuid, 'NORMAL_CLEARING');
    await expectSettled(t, [25, 25, 15]);
  });

  it.each([
    ['is busy', { kind: 'busy' } as const, 'busy', 0],
    ['never answers', { kind: 'no-answer' } as const, 'no_answer', 30_000],
    ['answers and hangs up', { kind: 'answer', hangupAfterMs: 40_000 } as const, 'completed', 40_000],
  ])('C %s: A is back with B and the talk goes on; C is recorded with its outcome and cost', async (_what, third, cState, cRunsMs) => {
    const t = await consulting(third);
    const { r, a, b, requestId } = t;
    if (cRunsMs > 0) await r.clock.advance(cRunsMs);
    await untilC(t, cState);
    await r.runUntil(() => r.sim.channel(a.uuid)?.bridgedTo === b.uuid, 'A back with B');
    await r.runUntil(() => r.sim.channel(b.uuid)?.playbacks.every((p) => p.file !== HOLD_MUSIC || p.endedAt !== undefined) ?? false, 'hold music stopped');
    expect((await r.store.callbackRequests.findById(requestId))?.state).toBe('bridged');
    r.sim.sendDtmf(a.uuid, '5');
    await r.runUntil(() => (r.sim.channel(b.uuid)?.dtmfReceived ?? []).includes('5'), 'B hears A again');
    r.sim.hangup(a.uuid, 'NORMAL_CLEARING');
    await expectSettled(t, [0, 0, cState === 'completed' ? 40 : 0], cState);
  });

  it('a key A presses as C vanishes gets "-ERR Cannot locate session!" for its uuid_send_dtmf: no unhandled rejection, the talk goes on', async () => {
    const unhandled = recordUnhandledRejections();
    try {
      const t = await consulting({ kind: 'answer' });
      const { r, a, b } = t;
      await untilC(t, 'bridged');
      const c = (await legC(t))!;
      await r.clock.advance(5_000);
      // The digit is on its way to us when C goes: the uuid_send_dtmf we send for it finds no C.
      r.sim.sendDtmf(a.uuid, '5');
      r.sim.hangup(c.uuid, 'NORMAL_CLEARING');
      await untilC(t, 'completed');
      await r.runUntil(() => r.sim.channel(a.uuid)?.bridgedTo === b.uuid, 'A back with B');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled.seen).toEqual([]);
      r.sim.hangup(a.uuid, 'NORMAL_CLEARING');
      await expectSettled(t, [15, 15, 5]);
    } finally {
      unhandled.stop();
    }
  });

  it.each([
    ['not a phone number', '##999#'],
    ['not in the tariff', '##0033142685300#'],
  ])('a number that is %s is refused before anything is dialed: A hears why, the talk goes on', async (_what, keys) => {
    const t = await startTalking(getDb(), dbEngine, keep);
    const { r, a, requestId } = t;
    r.sim.sendDtmf(a.uuid, keys);
    await r.runUntil(() => (r.sim.channel(a.uuid)?.playbacks.length ?? 0) > 0, 'A told');
    expect(r.sim.channel(a.uuid)?.playbacks.map((p) => p.file)).toEqual(['/prompts/en/callback/destination_not_allowed.wav']);
    expect((await r.store.legs.listForRequest(requestId)).map((leg) => leg.role)).toEqual(['A', 'B']);
    expect((await r.store.callbackRequests.findById(requestId))?.state).toBe('bridged');
  });
});
