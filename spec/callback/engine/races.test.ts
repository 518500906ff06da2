import { rateLeg } from '../../../lib/billing';
import type { SimulatorOptions } from '../../../lib/simulator';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

/**
 * The orders a real FreeSWITCH resolves either way (capture README surprises 1, 2, 19), each
 * played both ways: one row per race with its other order, next to the order the simulator
 * plays by default. The call and its books must come out the same whatever the order.
 */
const ORDERS: ReadonlyArray<readonly [string, Partial<SimulatorOptions>]> = [
  ['as captured most often', {}],
  ['every outbound socket connects after its BACKGROUND_JOB', { races: { originateSocket: 'job-first' } }],
  ['no outbound socket sees CHANNEL_PARK', { races: { socketPark: 'before-myevents' } }],
  ['the linger notice comes after HANGUP_COMPLETE', { lingerNotice: 'after-hangup-complete' }],
  ['the linger notice comes right after CHANNEL_HANGUP, HANGUP_COMPLETE only after the controller answers it', { lingerNotice: 'after-hangup', races: { lingeredReporting: 'after-controller-command' } }],
  ['every outbound socket parks only at its first sendmsg', { races: { socketPark: 'at-first-sendmsg' } }],
  ["each originated leg's application starts before its BACKGROUND_JOB", { races: { originatedApplication: 'before-result' } }],
  ["B's HANGUP_COMPLETE comes before A's UNBRIDGE", { races: { bridgePeerLeaves: 'peer-hangup-complete-first' } }],
  ["A's UNBRIDGE comes before B's HANGUP_COMPLETE", { races: { bridgePeerLeaves: 'unbridge-first' } }],
];

describeEachDatabase('callback engine, the races FreeSWITCH resolves either way', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it.each(ORDERS)('a source-first callback B ends comes out the same: %s', async (_order, simulator) => {
    const r = (rig = await startEngineRig(getDb(), dbEngine, { simulator }));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', ringing: true, afterMs: 3_000, hangupAfterMs: 61_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'completed', attempts: 1, lastCause: 'NORMAL_CLEARING' });
    const legs = await r.store.legs.listForRequest(request.id);
    expect(legs).toHaveLength(2);
    const [a, b] = legs;
    expect(a).toMatchObject({ role: 'A', state: 'completed', hangupCause: 'NORMAL_CLEARING' });
    expect(b).toMatchObject({ role: 'B', state: 'completed', hangupCause: 'NORMAL_CLEARING', billsec: 61 });
    expect(r.requests.filter((c) => c.requestId === request.id).map((c) => c.to)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'completed']);
    // Each leg settled once, from what FreeSWITCH reported rather than from estimates.
    for (const leg of [a!, b!]) expect(r.legs.filter((c) => c.legUuid === leg.uuid && c.status === 'completed')).toHaveLength(1);

    // B 61 s at 0.0100/min in 60/60 blocks = 2 cents; A from its own answer on the callback tariff.
    const callbackRate = await r.store.tariffs.findRateByLongestPrefix(account.callbackTariffId!, SOURCE);
    const costA = rateLeg(callbackRate!, a!.billsec!).costMinor;
    expect([a!.costMinor, b!.costMinor]).toEqual([costA, 2]);
    const cdrs = await r.store.cdrs.listForRequest(request.id);
    expect(cdrs.map((cdr) => [cdr.legUuid, cdr.costMinor]).sort()).toEqual([[a!.uuid, costA], [b!.uuid, 2]].sort());
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000 - 2 - costA, reservedMinor: 0 });
    expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
    // Nothing left on the switch: both legs gone, no socket still open.
    await r.settle();
    expect(r.sim.channels()).toEqual([]);
  });

  it.each(ORDERS)('a simultaneous callback B ends comes out the same: %s', async (_order, simulator) => {
    const r = (rig = await startEngineRig(getDb(), dbEngine, { simulator }));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer', ringing: true, afterMs: 2_000 });
    r.sim.setPhone(DESTINATION, { kind: 'answer', ringing: true, afterMs: 5_000, hangupAfterMs: 30_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'completed', attempts: 1 });
    expect(r.requests.filter((c) => c.requestId === request.id).map((c) => c.to)).toEqual(['queued', 'dialing_both', 'dialing_b', 'bridged', 'completed']);
    const legs = await r.store.legs.listForRequest(request.id);
    expect(legs).toHaveLength(2);
    const [a, b] = legs;
    expect(a).toMatchObject({ role: 'A', state: 'completed', billsec: 33, hangupCause: 'NORMAL_CLEARING' });
    expect(b).toMatchObject({ role: 'B', state: 'completed', billsec: 30, hangupCause: 'NORMAL_CLEARING' });
    for (const leg of [a!, b!]) expect(r.legs.filter((c) => c.legUuid === leg.uuid && c.status === 'completed')).toHaveLength(1);
    const retail = await r.store.tariffs.findRateByLongestPrefix(account.tariffId!, DESTINATION);
    const callbackRate = await r.store.tariffs.findRateByLongestPrefix(account.callbackTariffId!, SOURCE);
    const [costA, costB] = [rateLeg(callbackRate!, 33).costMinor, rateLeg(retail!, 30).costMinor];
    expect([a!.costMinor, b!.costMinor]).toEqual([costA, costB]);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000 - costA - costB, reservedMinor: 0 });
    expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
    await r.settle();
    expect(r.sim.channels()).toEqual([]);
  });
});
