import fs from 'node:fs';
import path from 'node:path';
import { describeEachDatabase } from '../support/databases';
import { DESTINATION, SOURCE, type EngineRig } from '../support/engine-harness';
import { GAP, startTalking, statesOf, type Talking } from '../support/talk-rig';

describeEachDatabase('in-call DTMF codes', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function talking(keysLater?: string): Promise<Talking> {
    const t = await startTalking(getDb(), dbEngine, (r) => void (rig = r));
    if (keysLater !== undefined) t.r.sim.sendDtmf(t.a.uuid, keysLater);
    return t;
  }

  it('sets bridge_filter_dtmf on A, so B does not hear the codes', async () => {
    const { r, a, b, requestId } = await talking();
    expect(r.sim.channel(a.uuid)?.variables.bridge_filter_dtmf).toBe('true');
    r.sim.sendDtmf(a.uuid, '*5');
    await r.clock.advance(GAP);
    await r.runUntil(() => true, 'quiet');
    expect(r.sim.channel(b.uuid)?.dtmfReceived ?? []).toEqual([]);
    expect(statesOf(r, requestId).at(-1)).toBe('bridged');
  });

  it('re-sends keys that start no code to B (uuid_send_dtmf)', async () => {
    const { r, a, b } = await talking();
    r.sim.sendDtmf(a.uuid, '12');
    await r.runUntil(() => (r.sim.channel(b.uuid)?.dtmfReceived.length ?? 0) >= 2, 'digits at B');
    expect(r.sim.channel(b.uuid)?.dtmfReceived).toEqual(['1', '2']);
  });

  it.each(['#11', '**'])('%s ends B and asks A for a new destination (D8, D2)', async (keys) => {
    const { r, requestId, a, b } = await talking(keys);
    const done = await r.finish(requestId);
    // The stub IVR gets no digits from A: it gives up and ends the (talked) request.
    expect(done.state).toBe('completed');
    expect(statesOf(r, requestId)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'a_answered', 'completed']);
    const legs = await r.store.legs.listForRequest(requestId);
    expect(legs.map((leg) => [leg.uuid, leg.role, leg.state])).toEqual([
      [a.uuid, 'A', 'completed'],
      [b.uuid, 'B', 'completed'],
    ]);
    expect(legs[1]!.billsec).toBeLessThan(5);
    const cdrs = await r.store.cdrs.listForRequest(requestId);
    expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual([a.uuid, b.uuid].sort());
    // B heard none of it.
    expect(r.sim.channel(b.uuid)?.dtmfReceived ?? []).toEqual([]);
  });

  it('#1 is told from #11 by the inter-digit timeout: #1 then 1 late is a redial in 10 minutes, not a new number', async () => {
    const { r, requestId, a, accountId } = await talking('#1');
    await r.runUntil(async () => (await r.store.callbackRequests.findById(requestId))?.state !== 'bridged', 'talk ends');
    r.sim.sendDtmf(a.uuid, '1');
    const done = await r.finish(requestId);
    expect(done.state).toBe('completed');
    expect(statesOf(r, requestId)).not.toContain('a_answered');
    const redials = (await r.store.callbackRequests.list({ accountId })).filter((q) => q.trigger === 'redial');
    expect(redials).toHaveLength(1);
  });

  it('#m ends the talk and schedules the same pair in m×10 minutes, with a confirmation (D3)', async () => {
    const { r, requestId, a, b, accountId } = await talking();
    const pressedAt = r.clock.now();
    r.sim.sendDtmf(a.uuid, '#3');
    const done = await r.finish(requestId);
    expect(done.state).toBe('completed');
    expect(r.sim.channel(a.uuid)?.playbacks.map((p) => p.file)).toContain('/prompts/en/callback/redial_scheduled.wav');
    const legs = await r.store.legs.listForRequest(requestId);
    expect(legs.map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
    ]);
    expect(await r.store.cdrs.listForRequest(requestId)).toHaveLength(2);
    const redials = (await r.store.callbackRequests.list({ accountId })).filter((q) => q.trigger === 'redial');
    expect(redials).toHaveLength(1);
    expect(redials[0]).toMatchObject({ source: SOURCE, destination: DESTINATION, state: 'queued' });
    expect(redials[0]!.dueAt).toBeGreaterThanOrEqual(pressedAt + 30 * 60_000);
    expect(redials[0]!.dueAt).toBeLessThan(pressedAt + 31 * 60_000);
    void b;
  });

  it('#0 schedules the redial in 5 minutes, and it is dialed then', async () => {
    const { r, requestId, accountId } = await talking('#0');
    const pressedAt = r.clock.now();
    await r.finish(requestId);
    const [redial] = (await r.store.callbackRequests.list({ accountId })).filter((q) => q.trigger === 'redial');
    expect(redial!.dueAt - pressedAt).toBeGreaterThanOrEqual(5 * 60_000);
    expect(redial!.dueAt - pressedAt).toBeLessThan(6 * 60_000);
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 10_000 });
    const again = await r.finish(redial!.id);
    expect(again.state).toBe('completed');
    expect((await r.store.legs.listForRequest(redial!.id)).map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
    ]);
  });

  it('*8 … *9 records the talk and stores the row for the account, request and leg A (D7)', async () => {
    const { r, requestId, a, accountId } = await talking('*8');
    await r.runUntil(() => (r.sim.channel(a.uuid)?.recordings.length ?? 0) === 1, 'recording');
    await r.clock.advance(20_000);
    r.sim.sendDtmf(a.uuid, '*9');
    await r.runUntil(async () => (await r.store.recordings.listForRequest(requestId)).length === 1, 'row');
    const [row] = await r.store.recordings.listForRequest(requestId);
    expect(row).toMatchObject({ accountId, requestId, legUuid: a.uuid });
    expect(path.basename(row!.path)).toBe(`${requestId}-${a.uuid}-1.wav`);
    const [recording] = r.sim.channel(a.uuid)!.recordings;
    expect(recording).toMatchObject({ path: row!.path, via: 'uuid_record' });
    expect(recording!.stoppedAt).toBeDefined();
    // The row holds what FreeSWITCH left on disk: its real size, and the length it recorded (record_ms).
    const recordedMs = recording!.stoppedAt! - recording!.startedAt;
    expect(recordedMs).toBeGreaterThanOrEqual(20_000);
    expect(row!.bytes).toBe(fs.statSync(row!.path).size);
    expect(row!.bytes).toBe(44 + recordedMs * 16);
    expect(row!.durationMs).toBe(recordedMs);
    expect(String(recordedMs)).toBe(r.sim.channel(a.uuid)!.variables.record_ms);
  });

  it('*8 twice records once; *9 without *8 does nothing; a recording running at the end of the talk is stored', async () => {
    const { r, requestId, a } = await talking('*9');
    await r.runUntil(() => true, 'quiet');
    r.sim.sendDtmf(a.uuid, '*8');
    await r.runUntil(() => (r.sim.channel(a.uuid)?.recordings.length ?? 0) === 1, 'recording');
    r.sim.sendDtmf(a.uuid, '*8');
    await r.clock.advance(5_000);
    await r.runUntil(() => true, 'quiet');
    expect(r.sim.channel(a.uuid)?.recordings).toHaveLength(1);
    expect(await r.store.recordings.listForRequest(requestId)).toEqual([]);
    // A hangs up while recording: the row is written with the talk's end.
    r.sim.hangup(a.uuid, 'NORMAL_CLEARING');
    await r.finish(requestId);
    const rows = await r.store.recordings.listForRequest(requestId);
    expect(rows).toHaveLength(1);
    expect(path.basename(rows[0]!.path)).toBe(`${requestId}-${a.uuid}-1.wav`);
    expect(rows[0]!.bytes).toBe(fs.statSync(rows[0]!.path).size);
    expect(rows[0]!.durationMs).toBeGreaterThanOrEqual(5_000);
  });
});
