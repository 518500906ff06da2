import { rateLeg } from '../../../lib/billing';
import { cancelStoredRequest } from '../../../lib/callback/engine/cancel-stored';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, PROMPTS_DIR, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

describeEachDatabase('callback engine, simultaneous', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('rings both legs at once and bridges them with uuid_bridge when both answered', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer', ringing: true, afterMs: 2_000 });
    r.sim.setPhone(DESTINATION, { kind: 'answer', ringing: true, afterMs: 5_000, hangupAfterMs: 30_000 });
    const bridges: string[] = [];
    r.sim.on('command', (_connection, line) => {
      if (line.includes('uuid_bridge')) bridges.push(line);
    });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'completed', attempts: 1 });
    expect(r.requests.filter((c) => c.requestId === request.id).map((c) => c.to)).toEqual(['queued', 'dialing_both', 'dialing_b', 'bridged', 'completed']);
    const [a, b] = await r.store.legs.listForRequest(request.id);
    expect(bridges).toEqual([expect.stringContaining(`uuid_bridge ${a!.uuid} ${b!.uuid}`)]);
    expect(a).toMatchObject({ role: 'A', state: 'completed', billsec: 33 });
    expect(b).toMatchObject({ role: 'B', state: 'completed', billsec: 30 });
    // Both ringing at once: B was dialed before A answered.
    expect(b!.createdAt).toBeLessThan(a!.answeredAt!);
    const retail = await r.store.tariffs.findRateByLongestPrefix(account.tariffId!, DESTINATION);
    const callbackRate = await r.store.tariffs.findRateByLongestPrefix(account.callbackTariffId!, SOURCE);
    const expected = rateLeg(callbackRate!, 33).costMinor + rateLeg(retail!, 30).costMinor;
    expect(await r.store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000 - expected, reservedMinor: 0 });
  });

  it.each(['on this instance', 'through the row alone (another instance, the CLI)'])('writes the first answer with the next move: the row stays dialing_both, and a cancel %s still ends and books both legs', async (how) => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer', ringing: true, afterMs: 2_000 });
    r.sim.setPhone(DESTINATION, { kind: 'answer', ringing: true, afterMs: 60_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    await r.runUntil(() => r.requests.some((c) => c.requestId === request.id && c.to === 'dialing_b'), 'A answered');
    await r.settle();
    const claimed = await r.store.callbackRequests.findById(request.id);
    expect(claimed).toMatchObject({ state: 'dialing_both' });
    const [a] = await r.store.legs.listForRequest(request.id);
    // What recovery needs of that answer is the leg's own row.
    expect(a).toMatchObject({ role: 'A', state: 'answered', answeredAt: expect.any(Number) });

    // The runner moves the row from the state it holds; a cancel through the row from the state it shows.
    expect(how === 'on this instance' ? await r.engine.cancel(request.id) : await cancelStoredRequest(r.store, request.id)).toBe(true);
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'cancelled', version: claimed!.version + 1 });
    const legs = await r.store.legs.listForRequest(request.id);
    expect(legs.map((leg) => leg.endedAt)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(await r.store.cdrs.listForRequest(request.id)).toHaveLength(2);
    expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
    await r.settle();
    expect(r.sim.channels()).toEqual([]);
  });

  it('ends an answered A with the Busy IVR when B is busy', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'busy', afterMs: 3_000 });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'busy', lastCause: 'USER_BUSY' });
    const [a, b] = await r.store.legs.listForRequest(request.id);
    expect(b).toMatchObject({ state: 'busy', hangupCause: 'USER_BUSY' });
    expect(a).toMatchObject({ state: 'completed' });
    expect(r.sim.channel(a!.uuid)?.playbacks.map((p) => p.file)).toEqual([`${PROMPTS_DIR}/en/ivr/busy.wav`]);
  });

  it('ends an answered B with the Failed IVR when A never comes', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine, { callback: { maxRetries: 0 } }));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'busy', afterMs: 3_000 });
    r.sim.setPhone(DESTINATION, { kind: 'answer' });

    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, mode: 'simultaneous' });
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'busy', lastCause: 'USER_BUSY' });
    const [a, b] = await r.store.legs.listForRequest(request.id);
    expect(a).toMatchObject({ state: 'busy', hangupCause: 'USER_BUSY' });
    expect(b).toMatchObject({ state: 'completed' });
    expect(r.sim.channel(b!.uuid)?.playbacks.map((p) => p.file)).toEqual([`${PROMPTS_DIR}/en/ivr/failed.wav`]);
  });
});
