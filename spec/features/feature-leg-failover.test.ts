import type { E164 } from '../../lib/domain/phone-number';
import type { PhoneScript } from '../../lib/simulator';
import type { Carrier, Leg } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import type { EngineRig } from '../support/engine-harness';
import { allLegsEnded, startTalking, type Talking } from '../support/talk-rig';

const THIRD = '+12025550303' as E164;
const LONG: PhoneScript = { kind: 'answer', hangupAfterMs: 3_600_000 };

/**
 * Issue #17 for a feature's leg C: it goes through its carriers as B does. Two carriers on the
 * node, alpha (0.1 cent a minute) before beta (0.2); alpha's gateway goes down once A and B talk
 * (unless a test wants it up).
 */
describeEachDatabase('feature legs (C) fail over to the next carrier like B', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  let made = 0;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function talkingThroughTwoCarriers(third: PhoneScript, alphaDown = true): Promise<Talking & { carriers: Map<number, string> }> {
    const carriers = new Map<number, string>();
    const talking = await startTalking(getDb(), dbEngine, (r) => void (rig = r), {
      source: LONG,
      destination: LONG,
      features: { faxToPdf: null },
      simulator: { gateways: ['gw-alpha', 'gw-beta'] },
      prepare: async (r) => {
        // The database is shared by the tests of this file: earlier tests' carriers are out of the way.
        for (const old of await r.store.carriers.list()) await r.store.carriers.disable(old.id);
        for (const [name, ratePerMinute] of [['alpha', 1_000], ['beta', 2_000]] as const) {
          made += 1;
          const created: Carrier = await r.store.carriers.create({ name: `${name}-${made}` });
          await r.store.carriers.setGateway(created.id, { node: '*', gateway: `gw-${name}` });
          await r.store.buyRates.importRates(created.id, [{ prefix: '1', ratePerMinute }], { effectiveFrom: 0 });
          carriers.set(created.id, name);
        }
      },
    });
    talking.r.sim.setPhone(THIRD, third);
    if (alphaDown) talking.r.sim.setGatewayDown('gw-alpha');
    return { ...talking, carriers };
  }

  /** Leg C's tries as [carrier, state, cause, what its row says was held for it], in the order they were written. */
  async function triesOfC({ r, requestId, carriers }: Talking & { carriers: Map<number, string> }): Promise<Array<[string | undefined, string, string | null, number | null]>> {
    const legs: Leg[] = await r.store.legs.listForRequest(requestId);
    return legs.filter((leg) => leg.role === 'C').map((leg) => [carriers.get(leg.carrierId ?? 0), leg.state, leg.hangupCause, leg.reservedMinor]);
  }

  it('D6: alpha\'s gateway is down, so C is dialed through beta within the same *3, and the three meet; the failed try costs nothing and the hold went with the try that carried C', async () => {
    const t = await talkingThroughTwoCarriers(LONG);
    const { r, requestId, a, b, accountId } = t;
    const room = `cb-${requestId}`;
    r.sim.sendDtmf(a.uuid, '*312025550303#');
    await r.runUntil(() => r.sim.conferenceMembers(room)?.length === 3, 'three members');
    const legs = await r.store.legs.listForRequest(requestId);
    const [failed, carried] = legs.filter((leg) => leg.role === 'C');
    expect(r.sim.conferenceMembers(room)?.sort()).toEqual([a.uuid, b.uuid, carried!.uuid].sort());
    expect(r.sim.channel(carried!.uuid)?.variables.sip_gateway_name).toBe('gw-beta');
    // The hold moved to beta's try before alpha's was settled.
    expect(await r.store.reservations.listHeld({ requestId })).toEqual(expect.arrayContaining([expect.objectContaining({ legUuid: carried!.uuid })]));
    expect((await r.store.reservations.listHeld({ requestId })).map((hold) => hold.legUuid)).not.toContain(failed!.uuid);

    await r.clock.advance(60_000);
    r.sim.hangup(a.uuid);
    r.sim.hangup(b.uuid);
    expect((await r.finish(requestId)).state).toBe('completed');
    await allLegsEnded(r, requestId);
    expect(await triesOfC(t)).toEqual([
      ['alpha', 'failed', 'GATEWAY_DOWN', null],
      ['beta', 'completed', 'NORMAL_CLEARING', expect.any(Number)],
    ]);
    const cs = (await r.store.legs.listForRequest(requestId)).filter((leg) => leg.role === 'C');
    expect(cs.map((leg) => [leg.billsec, leg.costMinor])).toEqual([
      [0, 0],
      [cs[1]!.billsec, Math.ceil(cs[1]!.billsec! / 60)],
    ]);
    expect(cs[1]!.billsec).toBeGreaterThanOrEqual(60);
    const cdrs = await r.store.cdrs.listForRequest(requestId);
    expect(cs.map((leg) => cdrs.filter((cdr) => cdr.legUuid === leg.uuid).length)).toEqual([1, 1]);
    expect(await r.store.reservations.listHeld({ requestId })).toEqual([]);
    expect(await r.store.accounts.balance(accountId)).toMatchObject({ reservedMinor: 0 });
  });

  it('D6: a busy third party is not tried on another carrier: one try of C, settled unanswered, and A and B talk on', async () => {
    const t = await talkingThroughTwoCarriers({ kind: 'busy' }, false);
    const { r, requestId, a, b } = t;
    r.sim.sendDtmf(a.uuid, '*312025550303#');
    await r.runUntil(async () => (await r.store.legs.listForRequest(requestId)).some((leg) => leg.role === 'C' && leg.endedAt !== null), 'C settled');
    expect(await triesOfC(t)).toEqual([['alpha', 'busy', 'USER_BUSY', expect.any(Number)]]);
    expect(r.sim.channel(a.uuid)?.bridgedTo).toBe(b.uuid);
    const [c] = (await r.store.legs.listForRequest(requestId)).filter((leg) => leg.role === 'C');
    expect((await r.store.reservations.listHeld({ requestId })).map((hold) => hold.legUuid)).not.toContain(c!.uuid);
  });

  it('D1: the consultation\'s third party is reached through beta when alpha\'s gateway is down (att_xfer again, to the next carrier)', async () => {
    const t = await talkingThroughTwoCarriers({ kind: 'answer', hangupAfterMs: 30_000 });
    const { r, requestId, a } = t;
    r.sim.sendDtmf(a.uuid, '##12025550303#');
    await r.runUntil(async () => (await triesOfC(t)).some(([, state]) => state === 'bridged'), 'C bridged');
    await r.runUntil(async () => (await triesOfC(t)).every(([, state]) => state !== 'bridged'), 'C ended');
    r.sim.hangup(a.uuid);
    expect((await r.finish(requestId)).state).toBe('completed');
    await allLegsEnded(r, requestId);
    expect(await triesOfC(t)).toEqual([
      ['alpha', 'failed', 'GATEWAY_DOWN', null],
      ['beta', 'completed', 'NORMAL_CLEARING', expect.any(Number)],
    ]);
    expect(await r.store.reservations.listHeld({ requestId })).toEqual([]);
  });
});
