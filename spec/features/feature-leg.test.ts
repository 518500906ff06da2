import type { E164 } from '../../lib/domain/phone-number';
import type { Talk, TalkHook } from '../../lib/callback/engine/flow';
import { isRefusal } from '../../lib/callback/engine/funds';
import { FeatureLeg } from '../../lib/features/feature-leg';
import type { Leg } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../support/engine-harness';

const THIRD = '+12025550303' as E164;

/** A feature that, once per talk, adds THIRD as a leg C and parks it (what att_xfer or a conference would dial). */
function addThirdParty(seen: { rowBeforeDial?: Leg | null; refusal?: string; leg?: FeatureLeg }): TalkHook {
  let done = false;
  return (talk: Talk) => {
    if (done) return;
    done = true;
    talk.ctx.work.track(
      (async () => {
        const opened = await FeatureLeg.open(talk, THIRD);
        if (isRefusal(opened)) {
          seen.refusal = opened.refused;
          return;
        }
        // The row first: the test waits for `leg`, and reads the row right after.
        seen.rowBeforeDial = await talk.ctx.store.legs.findByUuid(opened.uuid);
        seen.leg = opened;
        const { settled } = await opened.dial(() =>
          talk.ctx.waiter.parkedLeg(talk.ctx.telephony.api(talk.legA.node, `originate ${opened.dialString()} &park()`), opened.leg.signals, 60_000),
        );
        await settled;
      })(),
    );
  };
}

describeEachDatabase('legs added by in-call features (role C)', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function call(balance: number, seen: Parameters<typeof addThirdParty>[0], third: { hangupAfterMs?: number }): Promise<{ r: EngineRig; requestId: string; accountId: number }> {
    const r = (rig = await startEngineRig(getDb(), dbEngine, { engine: { onTalk: addThirdParty(seen) } }));
    const account = await r.account(balance);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 120_000 });
    r.sim.setPhone(THIRD, { kind: 'answer', ...third });
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    return { r, requestId: request.id, accountId: account.id };
  }

  it('a feature leg has its row before it is dialed, is priced like B, holds funds, and is settled once with its own CDR and cost', async () => {
    const seen: Parameters<typeof addThirdParty>[0] = {};
    const { r, requestId, accountId } = await call(100_000, seen, { hangupAfterMs: 90_000 });
    await r.runUntil(() => seen.leg !== undefined, 'C opened');
    expect(seen.rowBeforeDial).toMatchObject({ role: 'C', state: 'dialing', number: THIRD, requestId });
    expect(seen.rowBeforeDial!.reservedMinor).toBeGreaterThan(0);
    const held = await r.store.reservations.listHeld({ requestId });
    expect(held.map((h) => h.legUuid)).toContain(seen.leg!.uuid);

    const done = await r.finish(requestId);
    await r.runUntil(async () => (await r.store.legs.findByUuid(seen.leg!.uuid))?.endedAt !== null, 'C settled');
    expect(done.state).toBe('completed');
    const legs = await r.store.legs.listForRequest(requestId);
    expect(legs.map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
      ['C', 'completed'],
    ]);
    const c = legs[2]!;
    // 90 s at 1 cent a minute, 60/60 increments: 2 minutes.
    expect(c).toMatchObject({ billsec: 90, costMinor: 2 });
    const cdrs = await r.store.cdrs.listForRequest(requestId);
    expect(cdrs.filter((cdr) => cdr.legUuid === c.uuid)).toHaveLength(1);
    expect(await r.store.reservations.listHeld({ requestId })).toEqual([]);
    const cost = legs.reduce((sum, leg) => sum + (leg.costMinor ?? 0), 0);
    expect((await r.store.accounts.balance(accountId))?.balanceMinor).toBe(100_000 - cost);
    expect(await r.store.accounts.balance(accountId)).toMatchObject({ reservedMinor: 0 });
  });

  it('a feature leg still up when the request ends is hung up and settled with it', async () => {
    const seen: Parameters<typeof addThirdParty>[0] = {};
    const { r, requestId } = await call(100_000, seen, {});
    await r.runUntil(async () => (await r.store.legs.findByUuid(seen.leg?.uuid ?? ''))?.state === 'answered', 'C up');
    await r.clock.advance(30_000);
    const [a] = await r.store.legs.listForRequest(requestId);
    r.sim.hangup(a!.uuid, 'NORMAL_CLEARING');
    await r.finish(requestId);
    await r.runUntil(async () => (await r.store.legs.findByUuid(seen.leg!.uuid))?.endedAt !== null, 'C settled');
    const c = await r.store.legs.findByUuid(seen.leg!.uuid);
    expect(c).toMatchObject({ role: 'C', state: 'completed', billsec: 30, costMinor: 1 });
    expect(r.sim.channel(c!.uuid)?.answerState).toBe('hangup');
    expect((await r.store.cdrs.listForRequest(requestId)).filter((cdr) => cdr.legUuid === c!.uuid)).toHaveLength(1);
  });

  it('a feature leg the payer cannot afford is refused and audited: no row, no hold, nothing dialed', async () => {
    const seen: Parameters<typeof addThirdParty>[0] = {};
    // A's and B's holds for the talk take the whole balance.
    const { r, requestId } = await call(3, seen, {});
    await r.runUntil(() => seen.refusal !== undefined, 'C refused');
    expect(seen.refusal).toBe('insufficient_funds');
    expect((await r.store.legs.listForRequest(requestId)).map((leg) => leg.role)).toEqual(['A', 'B']);
    const audit = await r.store.auditLog.list({});
    expect(audit.find((entry) => entry.requestId === requestId && entry.kind === 'refused')).toMatchObject({ reason: 'insufficient_funds' });
  });
});
