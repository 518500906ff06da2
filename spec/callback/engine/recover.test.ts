import { randomUUID } from 'node:crypto';
import { defaultRouting } from '../../../lib/callback/engine';
import { InProcessCarrierLimits } from '../../../lib/routing/carrier-limits';
import { DUE_STATES } from '../../../lib/scheduler/request-states';
import { ManualClock } from '../../../lib/time/clock';
import { claimForDial } from '../../../lib/store/request-claims';
import { EslTestClient } from '../../simulator/esl-test-client';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

const MINUTE = 60_000;

/*
 * O5 in one process: the sweep hands the engine a request whose controller died (its lease ran
 * out), and the engine reconciles it with the simulator.
 */
describeEachDatabase('callback engine, recovery after a lost controller', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  let control: EslTestClient | undefined;

  afterEach(async () => {
    control?.close();
    control = undefined;
    await rig?.stop();
    rig = undefined;
  });

  /** The row as a dead instance leaves it: claimed by it, its lease run out. */
  async function abandoned(r: EngineRig, requestId: string): Promise<void> {
    await getDb()('callback_requests').where({ id: requestId }).update({ claimed_by: 'dead-controller', lease_until: r.clock.now() - 1 });
  }

  /** A and B talking on the switch, bridged in their rows, as a dead controller leaves them. */
  async function talkLeftBehind(r: EngineRig, requestId: string, carrierId: number | null = null): Promise<{ a: string; b: string; answeredAt: number }> {
    const [a, b] = [randomUUID(), randomUUID()];
    control = await EslTestClient.authed(r.sim.eslPort);
    for (const [uuid, number] of [[a, SOURCE], [b, DESTINATION]] as const) {
      expect(await control.api(`originate {origination_uuid=${uuid}}sofia/gateway/carrier/${number} &park()`)).toBe(`+OK ${uuid}\n`);
    }
    expect(await control.api(`uuid_bridge ${a} ${b}`)).toBe(`+OK ${b}\n`);
    const answeredAt = r.clock.now();
    for (const [uuid, role, number] of [[a, 'A', SOURCE], [b, 'B', DESTINATION]] as const) {
      await r.store.legs.create({ uuid, requestId, role, number, state: 'bridged', carrierId });
      await r.store.legs.update(uuid, { answeredAt });
    }
    return { a, b, answeredAt };
  }

  it('a talk that outlived its controller is adopted, not cut, and is settled from what FreeSWITCH reports when a party hangs up', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    const { request } = await r.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: SOURCE, destination: DESTINATION, state: 'bridged', data: { talked: true } });
    const { a, b, answeredAt } = await talkLeftBehind(r, request.id);
    await abandoned(r, request.id);
    const before = (await r.store.accounts.balance(account.id))!.balanceMinor;

    expect(await r.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    // Five minutes on, the talk is still up, and still this instance's.
    await r.runUntil(() => r.clock.now() >= answeredAt + 5 * MINUTE, 'five minutes of talk');
    expect([r.sim.channel(a)?.answerState, r.sim.channel(b)?.answerState]).toEqual(['answered', 'answered']);
    expect(await r.store.callbackRequests.findById(request.id)).toMatchObject({ state: 'bridged' });
    expect(r.engine.owned()).toEqual([request.id]);

    r.sim.hangup(a, 'NORMAL_UNSPECIFIED');
    const done = await r.finish(request.id);
    // The talk ended as FreeSWITCH reported it: that is the request's cause, not CONTROLLER_LOST (#16.4).
    expect(done).toMatchObject({ state: 'completed', lastCause: 'NORMAL_UNSPECIFIED' });
    const cdrs = await r.store.cdrs.listForRequest(request.id);
    expect(cdrs.map((cdr) => [cdr.legUuid, cdr.billsec, cdr.raw?.reported]).sort()).toEqual(
      [
        [a, Number(r.sim.channel(a)?.variables.billsec), true],
        [b, Number(r.sim.channel(b)?.variables.billsec), true],
      ].sort(),
    );
    expect(cdrs[0]!.billsec).toBeGreaterThanOrEqual(300);
    const spent = cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: before - spent, reservedMinor: 0 });
    expect(r.engine.owned()).toEqual([]);
  });

  it('an adopted talk counts again on its carrier\'s channels (the dead controller\'s count lapses with it) until it ends', async () => {
    const limits = new InProcessCarrierLimits(new ManualClock());
    const r = (rig = await startEngineRig(getDb(), dbEngine, { engine: { routing: { ...defaultRouting(), limits } } }));
    const account = await r.account(100_000);
    const carrier = await r.store.carriers.create({ name: `adopted-${randomUUID()}`, maxChannels: 1 });
    const { request } = await r.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: SOURCE, destination: DESTINATION, state: 'bridged', data: { talked: true } });
    const { a } = await talkLeftBehind(r, request.id, carrier.id);
    await abandoned(r, request.id);

    expect(await r.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    await r.runUntil(() => limits.channels(carrier.id) === 2, 'the adopted legs counted on their carrier');
    r.sim.hangup(a, 'NORMAL_CLEARING');
    await r.finish(request.id);
    expect(limits.channels(carrier.id)).toBe(0);
  });

  it('a request claimed but never dialed when its controller died is queued again and dialed exactly once', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });
    const account = await r.account(100_000);
    // Ordered straight into the table: no job, as after a crash of the in-process queue.
    const { request } = await r.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: SOURCE, destination: DESTINATION, dueAt: r.clock.now() + 3_600_000 });
    await getDb()('callback_requests').where({ id: request.id }).update({ due_at: r.clock.now() });
    const claimed = (await r.store.callbackRequests.findById(request.id))!;
    expect(await claimForDial(getDb(), claimed, DUE_STATES, 'dialing_a', { now: r.clock.now(), instanceId: 'dead-controller', leaseMs: MINUTE })).toBe(true);
    await abandoned(r, request.id);

    expect(await r.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    const done = await r.finish(request.id);
    expect(done).toMatchObject({ state: 'completed', attempts: 1 });
    const legs = await r.store.legs.listForRequest(request.id);
    expect(legs.map((leg) => leg.role).sort()).toEqual(['A', 'B']);
  });

  it('a leg answering after its controller died is hung up when its socket reaches an instance that does not own it, and its request is reported failed', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    const { request } = await r.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: SOURCE, destination: DESTINATION });
    expect(await claimForDial(getDb(), request, DUE_STATES, 'dialing_a', { now: r.clock.now(), instanceId: 'dead-controller', leaseMs: MINUTE })).toBe(true);
    const a = randomUUID();
    await r.store.legs.create({ uuid: a, requestId: request.id, role: 'A', number: SOURCE, state: 'dialing' });
    // The dead controller's originate goes on without it; A answers and its socket reaches us.
    control = await EslTestClient.authed(r.sim.eslPort);
    await control.api(`originate {origination_uuid=${a},callback_request_id=${request.id}}sofia/gateway/carrier/${SOURCE} '&socket(${r.socket.host}:${r.socket.port} async full)'`);
    await r.runUntil(() => r.sim.channel(a)?.hangupCause !== undefined, 'A hung up');
    expect(r.sim.channel(a)?.hangupCause).toBe('NORMAL_CLEARING');

    await abandoned(r, request.id);
    expect(await r.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    expect(await r.finish(request.id)).toMatchObject({ state: 'failed', lastCause: 'CONTROLLER_LOST' });
    expect((await r.store.cdrs.listForRequest(request.id)).map((cdr) => cdr.legUuid)).toEqual([a]);
  });

  /** A bridged request whose legs FreeSWITCH no longer knows (they ended unseen), its dead controller's lease run out at `leaseUntil`. */
  async function goneTalk(r: EngineRig, options: { answeredAt: number; leaseUntil: number; node: string }) {
    const account = await r.account(100_000);
    const { request } = await r.store.callbackRequests.create({ accountId: account.id, trigger: 'api', source: SOURCE, destination: DESTINATION, state: 'bridged', data: { talked: true } });
    const legs = [randomUUID(), randomUUID()];
    for (const [uuid, role, number] of [[legs[0]!, 'A', SOURCE], [legs[1]!, 'B', DESTINATION]] as const) {
      await r.store.legs.create({ uuid, requestId: request.id, role, number, state: 'bridged' });
      await r.store.legs.update(uuid, { answeredAt: options.answeredAt, node: options.node });
    }
    await getDb()('callback_requests').where({ id: request.id }).update({ claimed_by: 'dead-controller', lease_until: options.leaseUntil });
    return { request, legs };
  }

  it('an estimate ends when the dead controller\'s lease ran out, not when recovery ran', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const answeredAt = r.clock.now() - 5 * MINUTE;
    const leaseUntil = r.clock.now() - 2 * MINUTE;
    const { request, legs } = await goneTalk(r, { answeredAt, leaseUntil, node: 'fs1' });

    expect(await r.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    expect(await r.finish(request.id)).toMatchObject({ state: 'completed', lastCause: 'CONTROLLER_LOST' });
    const cdrs = await r.store.cdrs.listForRequest(request.id);
    expect(cdrs.map((cdr) => [cdr.legUuid, cdr.endedAt, cdr.billsec, cdr.raw?.reported]).sort()).toEqual(legs.map((uuid) => [uuid, leaseUntil, 180, false]).sort());
  });

  it('a recovery that could not ask FreeSWITCH gives the request back with the dead controller\'s lease, so the next estimate still ends there', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const answeredAt = r.clock.now() - 5 * MINUTE;
    const leaseUntil = r.clock.now() - 2 * MINUTE;
    // Legs on a node this instance has no connection to: the probe fails and the sweep must retry later.
    const { request, legs } = await goneTalk(r, { answeredAt, leaseUntil, node: 'fs9' });
    expect(await r.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 0, errors: 1 });
    expect(await r.store.callbackRequests.findById(request.id)).toMatchObject({ state: 'bridged', leaseUntil });

    for (const uuid of legs) await r.store.legs.update(uuid, { node: 'fs1' });
    await r.clock.advance(MINUTE);
    expect(await r.scheduler.sweep(r.clock.now())).toMatchObject({ recovered: 1, errors: 0 });
    await r.finish(request.id);
    const cdrs = await r.store.cdrs.listForRequest(request.id);
    expect(cdrs.map((cdr) => [cdr.endedAt, cdr.billsec])).toEqual([
      [leaseUntil, 180],
      [leaseUntil, 180],
    ]);
  });
});
