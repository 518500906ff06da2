import { rateLeg } from '../../../lib/billing';
import type { Leg } from '../../../lib/store';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, PROMPTS_DIR, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

describeEachDatabase('callback engine, source first', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function legsOf(r: EngineRig, requestId: string): Promise<Leg[]> {
    return r.store.legs.listForRequest(requestId);
  }

  it('calls A, then B with ringback, connects them, and books both legs when B hangs up', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', ringing: true, afterMs: 3_000, hangupAfterMs: 61_000 });

    // C3 "forward": each party sees the other's number; B is shown the source because it is a
    // verified number of the account (#15 item 8).
    const held = await r.store.callerIds.findByNumber(SOURCE);
    if (held) await r.store.callerIds.remove(held.accountId, SOURCE);
    await r.store.callerIds.add({ accountId: account.id, number: SOURCE });
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, callerIdPolicy: 'forward' });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'completed', attempts: 1, lastCause: 'NORMAL_CLEARING' });
    const [a, b] = await legsOf(r, request.id);
    expect(a).toMatchObject({ role: 'A', attempt: 1, state: 'completed', hangupCause: 'NORMAL_CLEARING', callerId: DESTINATION });
    expect(b).toMatchObject({ role: 'B', attempt: 1, state: 'completed', hangupCause: 'NORMAL_CLEARING', billsec: 61, callerId: SOURCE });
    expect(r.sim.channel(a!.uuid)?.variables).toMatchObject({ origination_caller_id_number: DESTINATION, originate_timeout: '30', callback_request_id: request.id });
    expect(r.sim.channel(b!.uuid)?.callerIdNumber).toBe(SOURCE);
    // B's caller ID and ring time are B's own (its dial string); A's caller ID is left alone.
    expect(r.sim.channel(b!.uuid)?.variables).toMatchObject({ origination_caller_id_number: SOURCE, originate_timeout: '30' });
    expect(r.sim.channel(a!.uuid)?.variables.effective_caller_id_number).toBeUndefined();
    // A heard ringback while B rang, then was bridged to B.
    expect(r.sim.channel(a!.uuid)?.variables.ringback).toBeDefined();
    expect(r.requests.filter((c) => c.requestId === request.id).map((c) => c.to)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'completed']);
    expect(r.legs.filter((c) => c.legUuid === b!.uuid).map((c) => c.status)).toEqual(['dialing', 'ringing', 'answered', 'bridged', 'completed']);
    // One answer, one "answered": B's hangup ends A from the bridge, not through a second answer.
    expect(r.legs.filter((c) => c.legUuid === a!.uuid).map((c) => c.status)).toEqual(['dialing', 'answered', 'bridged', 'completed']);

    // B2/B3: each leg rated from its own answer: B 61 s at 0.0100/min in 60/60 blocks = 2 cents.
    const retail = await r.store.tariffs.findRateByLongestPrefix(account.tariffId!, DESTINATION);
    const callbackRate = await r.store.tariffs.findRateByLongestPrefix(account.callbackTariffId!, SOURCE);
    expect(rateLeg(retail!, 61).costMinor).toBe(2);
    const expectedA = rateLeg(callbackRate!, a!.billsec!).costMinor;
    expect(b!.costMinor).toBe(2);
    expect(a!.costMinor).toBe(expectedA);
    const cdrs = await r.store.cdrs.listForRequest(request.id);
    expect(cdrs.map((cdr) => [cdr.legUuid, cdr.costMinor]).sort()).toEqual([[a!.uuid, expectedA], [b!.uuid, 2]].sort());
    const balance = await r.store.accounts.balance(account.id);
    expect(balance).toMatchObject({ balanceMinor: 1_000 - 2 - expectedA, reservedMinor: 0 });
    expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
  });

  it('retries a busy A and connects on retry 2, with every attempt recorded', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, [{ kind: 'busy' }, { kind: 'busy' }, { kind: 'answer' }]);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 5_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'completed', attempts: 3 });
    const legs = await legsOf(r, request.id);
    expect(legs.map((leg) => [leg.role, leg.attempt, leg.state, leg.hangupCause])).toEqual([
      ['A', 1, 'busy', 'USER_BUSY'],
      ['A', 2, 'busy', 'USER_BUSY'],
      ['A', 3, 'completed', 'NORMAL_CLEARING'],
      ['B', 3, 'completed', 'NORMAL_CLEARING'],
    ]);
    expect(r.requests.filter((c) => c.requestId === request.id).map((c) => c.to)).toEqual([
      'queued',
      'dialing_a',
      'retry_scheduled',
      'dialing_a',
      'retry_scheduled',
      'dialing_a',
      'dialing_b',
      'bridged',
      'completed',
    ]);
    // Every attempt has its CDR, the unanswered ones at no cost.
    const cdrs = await r.store.cdrs.listForRequest(request.id);
    expect(cdrs).toHaveLength(4);
    expect(cdrs.filter((cdr) => cdr.hangupCause === 'USER_BUSY').map((cdr) => cdr.costMinor)).toEqual([0, 0]);
  });

  it('gives up on an A that never answers after the last retry, each attempt a leg row with its cause', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'no-answer' });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'no_answer', attempts: 3, lastCause: 'NO_ANSWER' });
    const legs = await legsOf(r, request.id);
    expect(legs.map((leg) => [leg.role, leg.attempt, leg.state, leg.hangupCause, leg.billsec, leg.costMinor])).toEqual([
      ['A', 1, 'no_answer', 'NO_ANSWER', 0, 0],
      ['A', 2, 'no_answer', 'NO_ANSWER', 0, 0],
      ['A', 3, 'no_answer', 'NO_ANSWER', 0, 0],
    ]);
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000, reservedMinor: 0 });
  });

  it('plays the Busy IVR on A when B is busy, then hangs up', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'busy', afterMs: 2_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'busy', lastCause: 'USER_BUSY' });
    const [a, b] = await legsOf(r, request.id);
    expect(b).toMatchObject({ role: 'B', state: 'busy', hangupCause: 'USER_BUSY', costMinor: 0 });
    expect(a).toMatchObject({ role: 'A', state: 'completed', hangupCause: 'NORMAL_CLEARING' });
    const playbacks = r.sim.channel(a!.uuid)?.playbacks.map((p) => p.file);
    expect(playbacks).toEqual([`${PROMPTS_DIR}/en/ivr/busy.wav`]);
  });

  it('plays the Failed IVR on A when B is unallocated', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'unallocated' });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'failed', lastCause: 'UNALLOCATED_NUMBER' });
    const [a, b] = await legsOf(r, request.id);
    expect(b).toMatchObject({ state: 'failed', hangupCause: 'UNALLOCATED_NUMBER' });
    expect(r.sim.channel(a!.uuid)?.playbacks.map((p) => p.file)).toEqual([`${PROMPTS_DIR}/en/ivr/failed.wav`]);
  });

  it('cancels a ringing B (ORIGINATOR_CANCEL) when A hangs up', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'no-answer' });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(() => r.legs.some((c) => c.role === 'B' && c.status === 'ringing'), 'B ringing');
    const aLeg = r.legs.find((c) => c.role === 'A')!.legUuid;
    r.sim.hangup(aLeg, 'NORMAL_CLEARING');
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'cancelled' });
    const [a, b] = await legsOf(r, request.id);
    expect(a).toMatchObject({ state: 'completed', hangupCause: 'NORMAL_CLEARING' });
    expect(b).toMatchObject({ state: 'cancelled', hangupCause: 'ORIGINATOR_CANCEL', billsec: 0, costMinor: 0 });
    expect(r.sim.channel(b!.uuid)?.hangupCause).toBe('ORIGINATOR_CANCEL');
  });
});
