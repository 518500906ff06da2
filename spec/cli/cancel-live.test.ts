import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../support/engine-harness';
import { cli, describeEachCliDatabase } from './support';

/*
 * The CLI runs no engine: a cancel of a call in progress goes through the row, as the API's
 * cancel of another instance's call does, and the service calling it ends and books the legs.
 */
describeEachCliDatabase('CLI cancel of a call in progress', (target) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('ends a live talk the running service holds, books both legs and releases the holds', async () => {
    const r = (rig = await startEngineRig(target().db, target().engine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'answer', afterMs: 2_000, hangupAfterMs: 3_600_000 });
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(async () => (await r.store.callbackRequests.findById(request.id))?.state === 'bridged', 'the talk');

    const cancelled = await cli(target(), ['callbacks', 'cancel', request.id]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `request ${request.id} cancelled\n` });
    const cancelledAt = r.clock.now();
    const done = await r.finish(request.id);

    expect(done).toMatchObject({ state: 'cancelled', lastCause: 'CANCELLED' });
    // Within one lease renewal (a third of the default 120 s lease), not at the end of the hour-long talk.
    expect(r.clock.now() - cancelledAt).toBeLessThanOrEqual(45_000);
    const legs = await r.store.legs.listForRequest(request.id);
    expect(legs.map((leg) => [leg.role, leg.endedAt !== null, leg.costMinor !== null])).toEqual([
      ['A', true, true],
      ['B', true, true],
    ]);
    expect((await r.store.cdrs.listForRequest(request.id)).length).toBe(2);
    expect(await r.store.reservations.listHeld({ accountId: account.id })).toEqual([]);
  });
});
