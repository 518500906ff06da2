import { randomUUID } from 'node:crypto';
import { reportedLegEnd } from '../../lib/callback/engine';
import type { LegEnd } from '../../lib/callback/engine/leg-events';
import { CALL_IN_PROGRESS_STATES } from '../../lib/callback/state/request-state';
import { describeEachDatabase } from '../support/databases';
import { DESTINATION, SOURCE, type EngineRig } from '../support/engine-harness';
import { rigPerTest } from './rig-per-test';

/*
 * B4: an end FreeSWITCH reports outside the event stream (its CDR) settles the leg exactly once,
 * and whoever reported it learns the truth: a leg this process holds live is handed the end and
 * settles it itself (no second LiveLeg racing it); a leg nobody holds here is adopted from its
 * row. The caller is the writer, or is told it was not and what the leg was settled with.
 */
describeEachDatabase('a reported end settles its leg once, through the leg held here when there is one', (getDb, dbEngine) => {
  const rigs = rigPerTest(dbEngine);

  function endAfter(answeredAt: number, billsec: number): LegEnd {
    return reportedLegEnd({ hangupCause: 'NORMAL_CLEARING', billsec, startedAt: answeredAt - 1_000, answeredAt, endedAt: answeredAt + billsec * 1000 });
  }

  async function totalCost(r: EngineRig, requestId: string): Promise<number> {
    return (await r.store.cdrs.listForRequest(requestId)).reduce((sum, cdr) => sum + cdr.costMinor, 0);
  }

  it('held here: the live leg is handed the end and settles it; the caller is the writer, and a second report learns what was written', async () => {
    const r = await rigs.start(getDb());
    const account = await r.account(500);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 600_000 });
    const { request: order } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(async () => (await r.store.callbackRequests.findById(order.id))?.state === 'bridged', 'the parties talking');
    const b = (await r.store.legs.listForRequest(order.id)).find((leg) => leg.role === 'B')!;
    const answeredAt = b.answeredAt!;

    // The second report is handed to the same leg after the first: its end comes too late.
    const [first, second] = await Promise.all([r.engine.settleReportedEnd(b.uuid, endAfter(answeredAt, 60)), r.engine.settleReportedEnd(b.uuid, endAfter(answeredAt, 120))]);

    const written = (await r.store.cdrs.findByLegUuid(b.uuid))!;
    expect(written).toMatchObject({ billsec: 60, source: 'json_cdr' });
    expect(first).toEqual({ written: true, state: 'completed', costMinor: written.costMinor, requestId: order.id });
    expect(second).toEqual({ written: false, state: 'completed', costMinor: written.costMinor, requestId: order.id });
    expect(written.costMinor).toBeGreaterThan(0);

    // The request's own runner goes on from B's end as from any other, and books A once too.
    await r.finish(order.id);
    expect(await r.store.cdrs.listForRequest(order.id)).toHaveLength(2);
    expect(await r.store.cdrs.findByLegUuid(b.uuid)).toEqual(written);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 500 - (await totalCost(r, order.id)), reservedMinor: 0 });
  });

  it('not held here (another process’s leg): it is adopted from its row and settled from the end; a report racing it learns what was written; the request is made final', async () => {
    const r = await rigs.start(getDb());
    const account = await r.account(500);
    const { request: order } = await r.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: SOURCE, destination: DESTINATION, state: 'bridged' });
    await r.store.callbackRequests.transition(order.id, 'bridged', 'bridged', { attempts: 1 });
    const uuid = randomUUID();
    await r.store.legs.create({ uuid, requestId: order.id, role: 'B', node: 'fs1', number: DESTINATION, state: 'answered' });
    const answeredAt = r.clock.now() - 100_000;

    const reports = await Promise.all([r.engine.settleReportedEnd(uuid, endAfter(answeredAt, 30)), r.engine.settleReportedEnd(uuid, endAfter(answeredAt, 90))]);

    const written = (await r.store.cdrs.findByLegUuid(uuid))!;
    expect(written).toMatchObject({ source: 'json_cdr', requestId: order.id });
    expect([30, 90]).toContain(written.billsec);
    expect(written.costMinor).toBeGreaterThan(0);
    expect(reports.map((report) => report?.written).sort()).toEqual([false, true]);
    for (const report of reports) expect(report).toMatchObject({ state: 'completed', costMinor: written.costMinor, requestId: order.id });
    expect(await r.store.cdrs.listForRequest(order.id)).toHaveLength(1);
    expect(await r.store.legs.findByUuid(uuid)).toMatchObject({ state: 'completed', endedAt: written.endedAt });
    // Final (its one leg never talked to an A here, so not `completed`): nobody calls for it any more.
    expect(CALL_IN_PROGRESS_STATES).not.toContain((await r.store.callbackRequests.findById(order.id))?.state);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 500 - written.costMinor, reservedMinor: 0 });
  });

  it('an unknown leg is not settled: undefined, nothing written', async () => {
    const r = await rigs.start(getDb());
    const uuid = randomUUID();
    expect(await r.engine.settleReportedEnd(uuid, endAfter(r.clock.now() - 10_000, 5))).toBeUndefined();
    expect(await r.store.cdrs.findByLegUuid(uuid)).toBeNull();
  });
});
