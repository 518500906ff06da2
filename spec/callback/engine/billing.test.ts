import { rateLeg } from '../../../lib/billing';
import type { E164 } from '../../../lib/domain/phone-number';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, PROMPTS_DIR, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

const SOURCE_2 = '+12025550103' as E164;
const DESTINATION_2 = '+12025550204' as E164;

describeEachDatabase('callback engine, money', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function rates(r: EngineRig, accountId: number) {
    const account = await r.store.accounts.findById(accountId);
    const retail = await r.store.tariffs.findRateByLongestPrefix(account!.tariffId!, DESTINATION);
    const callback = await r.store.tariffs.findRateByLongestPrefix(account!.callbackTariffId!, SOURCE);
    return { retail: retail!, callback: callback! };
  }

  it('lets two concurrent calls on one balance hold no more than it has: one talks, the other is refused', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    // 5 cents: enough for one call's talk (both legs held), not for two.
    const account = await r.account(5);
    for (const source of [SOURCE, SOURCE_2]) r.sim.setPhone(source, { kind: 'answer' });
    for (const destination of [DESTINATION, DESTINATION_2]) r.sim.setPhone(destination, { kind: 'answer', hangupAfterMs: 30_000 });

    const first = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const second = await r.engine.order({ accountId: account.id, source: SOURCE_2, destination: DESTINATION_2 });
    const ends = [await r.finish(first.request.id), await r.finish(second.request.id)];

    expect(ends.map((request) => request.state).sort()).toEqual(['completed', 'failed']);
    const refused = ends.find((request) => request.state === 'failed')!;
    // B was refused before it was dialed; the request ends with the refusal's reason.
    expect(refused.lastCause).toBe('insufficient_funds');
    const audit = await r.store.auditLog.list({ accountId: account.id, kind: 'refused' });
    expect(audit.map((entry) => [entry.requestId, entry.reason])).toEqual([[refused.id, 'insufficient_funds']]);
    // Depending on which call's holds land first, the other is refused before B is dialed
    // (its A hears why) or already before anyone rings (no leg at all): both keep the money safe.
    const refusedLegs = await r.store.legs.listForRequest(refused.id);
    const refusedRoles = refusedLegs.map((leg) => leg.role);
    expect([[], ['A']]).toContainEqual(refusedRoles);
    if (refusedLegs[0]) {
      expect(r.sim.channel(refusedLegs[0].uuid)?.playbacks.map((p) => p.file)).toEqual([`${PROMPTS_DIR}/en/callback/insufficient_funds.wav`]);
    }

    // Whatever the interleaving, the balance moved by exactly the CDRs' costs and stayed >= 0.
    const cdrs = [...(await r.store.cdrs.listForRequest(first.request.id)), ...(await r.store.cdrs.listForRequest(second.request.id))];
    const charged = cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    expect(cdrs).toHaveLength(2 + refusedRoles.length);
    const balance = await r.store.accounts.balance(account.id);
    expect(balance).toMatchObject({ balanceMinor: 5 - charged, reservedMinor: 0 });
    expect(balance!.balanceMinor).toBeGreaterThanOrEqual(0);
    expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
  });

  it('refuses, before ringing anyone, a call the balance cannot pay even a second of', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    // One cent: a second of talk costs the first block of both legs, 1 + 1 cents.
    const account = await r.account(1);

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    // The claim counted the attempt; it was refused before anything was dialed.
    expect(done).toMatchObject({ state: 'failed', lastCause: 'insufficient_funds', attempts: 1 });
    expect(await r.store.legs.listForRequest(request.id)).toEqual([]);
    expect(r.sim.channels()).toEqual([]);
    const audit = await r.store.auditLog.list({ accountId: account.id, kind: 'refused' });
    expect(audit.map((entry) => [entry.requestId, entry.reason])).toEqual([[request.id, 'insufficient_funds']]);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1, reservedMinor: 0 });
  });

  it('warns before the limit and cuts the call at exactly the second the balance pays for', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(5);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer' });
    const scheduled: string[] = [];
    r.sim.on('command', (_connection, line) => {
      if (line.includes('sched_hangup')) scheduled.push(line);
    });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    // 5 cents at 0.0080/min (A) + 0.0100/min (B), both 60/60: 120 s of talk cost 2 + 2 (or 3 + 2
    // with A's head start), 121 s would cost 3 + 3.
    expect(done).toMatchObject({ state: 'completed', lastCause: 'ALLOTTED_TIMEOUT' });
    const [a, b] = await r.store.legs.listForRequest(request.id);
    const bView = r.sim.channel(b!.uuid)!;
    expect(bView.hangupAt! - bView.answeredAt!).toBe(120_000);
    // The same stop was left with FreeSWITCH, on B, at the whole second not before it: it holds
    // should the controller die mid-talk; ours, exact, came first.
    expect(scheduled).toEqual([`api sched_hangup ${Math.ceil((bView.answeredAt! + 120_000) / 1000)} ${b!.uuid} ALLOTTED_TIMEOUT`]);
    expect(b).toMatchObject({ billsec: 120, hangupCause: 'ALLOTTED_TIMEOUT' });
    const aView = r.sim.channel(a!.uuid)!;
    expect(aView.hangupCause).toBe('ALLOTTED_TIMEOUT');
    // The warning tone, 60 s before the end.
    expect(aView.playbacks.map((p) => [p.file.startsWith('tone_stream://'), p.startedAt - bView.answeredAt!])).toEqual([[true, 60_000]]);

    const { retail, callback } = await rates(r, account.id);
    const expected = rateLeg(callback, a!.billsec!).costMinor + rateLeg(retail, 120).costMinor;
    expect(expected).toBeLessThanOrEqual(5);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 5 - expected, reservedMinor: 0 });
  });

  it("charges leg A of an unidentified caller to the operator's callback account", async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const operatorBefore = await r.store.accounts.balance(r.operatorAccountId);
    r.sim.setPhone(SOURCE, { kind: 'answer', dtmf: [{ afterMs: 500, digits: '2025550202#' }] });

    // No account, no destination: the IVR asks for it; with nobody to pay for B it is refused,
    // and an access-number caller is asked again (C4) until the IVR gives up.
    const { request } = await r.engine.order({ source: SOURCE, destination: null, trigger: 'access' });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'failed', lastCause: 'no_destination' });
    const legs = await r.store.legs.listForRequest(request.id);
    expect(legs.map((leg) => leg.role)).toEqual(['A']);
    const [cdr] = await r.store.cdrs.listForRequest(request.id);
    expect(cdr).toMatchObject({ accountId: r.operatorAccountId, legUuid: legs[0]!.uuid });
    expect(cdr!.costMinor).toBeGreaterThan(0);
    const operatorAfter = await r.store.accounts.balance(r.operatorAccountId);
    expect(operatorAfter!.balanceMinor).toBe(operatorBefore!.balanceMinor - cdr!.costMinor);
    expect(r.sim.channel(legs[0]!.uuid)?.playbacks.map((p) => p.file).slice(0, 3)).toEqual([
      `${PROMPTS_DIR}/en/callback/enter_destination.wav`,
      `${PROMPTS_DIR}/en/callback/destination_not_allowed.wav`,
      `${PROMPTS_DIR}/en/callback/enter_destination.wav`,
    ]);
    const audit = await r.store.auditLog.list({ kind: 'refused', accountId: r.operatorAccountId });
    expect(audit.map((entry) => [entry.requestId, entry.reason])).toEqual([[request.id, 'no_payer']]);
  });
});
