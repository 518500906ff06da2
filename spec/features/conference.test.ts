import { rateLeg } from '../../lib/billing';
import type { E164 } from '../../lib/domain/phone-number';
import type { PhoneBehaviour } from '../../lib/simulator/types';
import type { Leg } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { SOURCE, type EngineRig } from '../support/engine-harness';
import { startTalking, statesOf, type Talking } from '../support/talk-rig';

const THIRD = '+12025550303' as E164;
const LONG: PhoneBehaviour = { kind: 'answer', hangupAfterMs: 3_600_000 };

describeEachDatabase('D6 *3N#: three-way conference', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function talking(third: PhoneBehaviour): Promise<Talking & { room: string }> {
    const t = await startTalking(getDb(), dbEngine, (r) => void (rig = r), { source: LONG, destination: LONG, features: { faxToPdf: null } });
    t.r.sim.setPhone(THIRD, third);
    return { ...t, room: `cb-${t.requestId}` };
  }

  async function legC(r: EngineRig, requestId: string): Promise<Leg> {
    await r.runUntil(async () => (await r.store.legs.listForRequest(requestId)).length === 3, 'leg C');
    return (await r.store.legs.listForRequest(requestId))[2]!;
  }

  /** Every leg has one CDR, its cost is its tariff's price of its own billsec, and the account paid exactly that. */
  async function expectEachLegBilledOnce(r: EngineRig, requestId: string, accountId: number): Promise<Leg[]> {
    const legs = await r.store.legs.listForRequest(requestId);
    const cdrs = await r.store.cdrs.listForRequest(requestId);
    expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
    const account = await r.store.accounts.findById(accountId);
    const callback = await r.store.tariffs.findRateByLongestPrefix(account!.callbackTariffId!, SOURCE);
    let total = 0;
    for (const leg of legs) {
      const rate = leg.role === 'A' ? callback : await r.store.tariffs.findRateByLongestPrefix(account!.tariffId!, leg.number as E164);
      const cdr = cdrs.find((c) => c.legUuid === leg.uuid)!;
      const channel = r.sim.channel(leg.uuid);
      // The billed time is the leg's own, as FreeSWITCH measured it.
      if (channel?.answeredAt !== undefined) expect(leg.billsec).toBe(Math.floor((channel.hangupAt! - channel.answeredAt) / 1000));
      expect(cdr.billsec).toBe(leg.billsec);
      expect(leg.costMinor).toBe(rateLeg(rate!, leg.billsec!).costMinor);
      expect(cdr.costMinor).toBe(leg.costMinor);
      total += leg.costMinor!;
    }
    expect(await r.store.accounts.balance(accountId)).toMatchObject({ balanceMinor: 100_000 - total, reservedMinor: 0 });
    return legs;
  }

  it('C answers: A, B and C meet in one room of three; when two leave, the lone one is ended and every leg is billed once for its own time', async () => {
    const { r, requestId, a, b, accountId, room } = await talking({ ...LONG, afterMs: 5_000, ringing: true });
    r.sim.sendDtmf(a.uuid, '*312025550303#');
    const c = await legC(r, requestId);
    expect(c).toMatchObject({ role: 'C', number: THIRD });
    // While C rings, A and B still talk.
    expect(r.sim.channel(a.uuid)?.bridgedTo).toBe(b.uuid);
    await r.runUntil(() => r.sim.conferenceMembers(room)?.length === 3, 'three members');
    expect(r.sim.conferenceMembers(room)?.sort()).toEqual([a.uuid, b.uuid, c.uuid].sort());
    expect(statesOf(r, requestId).at(-1)).toBe('conference');

    await r.clock.advance(60_000);
    r.sim.hangup(a.uuid);
    await r.runUntil(() => r.sim.conferenceMembers(room)?.length === 2, 'A left');
    await r.clock.advance(30_000);
    r.sim.hangup(b.uuid);
    const done = await r.finish(requestId);

    expect(done.state).toBe('completed');
    expect(statesOf(r, requestId)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'conference', 'completed']);
    expect(r.sim.conferenceMembers(room)).toBeUndefined();
    const view = (uuid: string) => r.sim.channel(uuid)!;
    // C, alone, was ended by us (uuid_kill) as soon as B left.
    expect(view(c.uuid).hangupAt).toBe(view(b.uuid).hangupAt);
    const legs = await expectEachLegBilledOnce(r, requestId, accountId);
    expect(legs.map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
      ['C', 'completed'],
    ]);
    const [la, lb, lc] = legs;
    expect(lb!.billsec! - la!.billsec!).toBeGreaterThanOrEqual(29);
    expect(lb!.billsec! - lc!.billsec!).toBeGreaterThanOrEqual(4);
  });

  it('A leaves: B and C talk on (billed for it) until one of them leaves, then the other is ended', async () => {
    const { r, requestId, a, b, accountId, room } = await talking(LONG);
    r.sim.sendDtmf(a.uuid, '*312025550303#');
    const c = await legC(r, requestId);
    await r.runUntil(() => r.sim.conferenceMembers(room)?.length === 3, 'three members');
    r.sim.hangup(a.uuid);
    await r.runUntil(() => r.sim.conferenceMembers(room)?.length === 2, 'A left');
    // A is settled at once, while the others still talk.
    await r.runUntil(async () => (await r.store.legs.findByUuid(a.uuid))?.endedAt !== null, 'A settled');
    expect(statesOf(r, requestId).at(-1)).toBe('conference');
    expect(r.sim.channel(b.uuid)?.hangupCause).toBeUndefined();
    await r.clock.advance(120_000);
    r.sim.hangup(c.uuid);
    const done = await r.finish(requestId);
    expect(done.state).toBe('completed');
    const legs = await expectEachLegBilledOnce(r, requestId, accountId);
    const [la, lb, lc] = legs;
    expect(lb!.billsec! - la!.billsec!).toBeGreaterThanOrEqual(119);
    expect(lc!.billsec).toBeGreaterThanOrEqual(120);
    expect(r.sim.channel(b.uuid)!.hangupAt).toBe(r.sim.channel(c.uuid)!.hangupAt);
  });

  it.each([
    ['busy', { kind: 'busy' }],
    ['never answers', { kind: 'no-answer' }],
  ] as Array<[string, PhoneBehaviour]>)('C %s: A and B never leave their talk, C is settled unanswered (CDR, no cost), and A may try again', async (_what, third) => {
    const { r, requestId, a, b, accountId, room } = await talking(third);
    r.sim.sendDtmf(a.uuid, '*312025550303#');
    const c = await legC(r, requestId);
    await r.runUntil(async () => (await r.store.legs.findByUuid(c.uuid))?.endedAt !== null, 'C settled');
    expect(await r.store.legs.findByUuid(c.uuid)).toMatchObject({ role: 'C', billsec: 0, costMinor: 0 });
    expect(r.sim.conferenceMembers(room)).toBeUndefined();
    expect(r.sim.channel(a.uuid)?.bridgedTo).toBe(b.uuid);
    expect(statesOf(r, requestId).at(-1)).toBe('bridged');
    // A may try again: another C, another row; this one answers and the talk becomes a conference.
    r.sim.setPhone(THIRD, LONG);
    r.sim.sendDtmf(a.uuid, '*312025550303#');
    await r.runUntil(() => r.sim.conferenceMembers(room)?.length === 3, 'three members on the second try');
    await r.clock.advance(30_000);
    r.sim.hangup(a.uuid);
    r.sim.hangup(b.uuid);
    const done = await r.finish(requestId);
    expect(done.state).toBe('completed');
    expect(statesOf(r, requestId)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'conference', 'completed']);
    expect((await r.store.legs.listForRequest(requestId)).map((leg) => leg.role)).toEqual(['A', 'B', 'C', 'C']);
    await expectEachLegBilledOnce(r, requestId, accountId);
  });

  it('a cancel during the conference ends all three members, each settled once', async () => {
    const { r, requestId, a, accountId, room } = await talking(LONG);
    r.sim.sendDtmf(a.uuid, '*312025550303#');
    await legC(r, requestId);
    await r.runUntil(() => r.sim.conferenceMembers(room)?.length === 3, 'three members');
    await r.clock.advance(10_000);
    expect(await r.engine.cancel(requestId)).toBe(true);
    const done = await r.finish(requestId);
    expect(done.state).toBe('cancelled');
    expect(r.sim.conferenceMembers(room)).toBeUndefined();
    const legs = await expectEachLegBilledOnce(r, requestId, accountId);
    expect(legs.map((leg) => leg.endedAt !== null)).toEqual([true, true, true]);
  });

  it('a number outside the tariff is refused and audited; nothing is dialed and the talk goes on', async () => {
    const { r, requestId, a, accountId } = await talking(LONG);
    r.sim.sendDtmf(a.uuid, '*3999#');
    await r.runUntil(async () => (await r.store.auditLog.list({ accountId })).some((e) => e.kind === 'refused'), 'refusal audited');
    expect(await r.store.legs.listForRequest(requestId)).toHaveLength(2);
    expect(statesOf(r, requestId).at(-1)).toBe('bridged');
  });
});
