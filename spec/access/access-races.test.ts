import type { E164 } from '../../lib/domain/phone-number';
import type { SimulatorOptions } from '../../lib/simulator';
import { describeEachDatabase } from '../support/databases';
import { startAccessRig, type AccessRig } from './access-rig';
import { accessCall, accessRequests, freshDid, refusalsFor, useAccessHandler } from './support';

const CALLER = '+12025550101' as E164;

/** The orders of an access call's socket a real FreeSWITCH resolves either way (04d, 07c, 19). */
const ORDERS: ReadonlyArray<readonly [string, Partial<SimulatorOptions>]> = [
  ['as captured most often (the linger notice before HANGUP_COMPLETE)', {}],
  ['the socket never sees CHANNEL_PARK', { races: { socketPark: 'before-myevents' } }],
  ['the linger notice comes after HANGUP_COMPLETE', { lingerNotice: 'after-hangup-complete' }],
  ['the linger notice comes right after CHANNEL_HANGUP, HANGUP_COMPLETE only after the controller answers it', { lingerNotice: 'after-hangup', races: { lingeredReporting: 'after-controller-command' } }],
  ['the socket parks only at its first sendmsg', { races: { socketPark: 'at-first-sendmsg' } }],
];

describeEachDatabase('access-number calls, the races FreeSWITCH resolves either way', (getDb, dbEngine) => {
  let rig: AccessRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it.each(ORDERS)('a refused access call is refused unanswered once, its session ends with HANGUP_COMPLETE, and one callback is dialed: %s', async (_order, simulator) => {
    const r = (rig = await startAccessRig(getDb(), dbEngine, { simulator }));
    const counter = useAccessHandler(r);
    const account = await r.account(1_000);
    const existing = await r.store.callerIds.findByNumber(CALLER);
    if (existing) await r.store.callerIds.remove(existing.accountId, CALLER);
    await r.store.callerIds.add({ accountId: account.id, number: CALLER, allowAuthorization: true });
    const did = freshDid();
    await r.store.accessNumbers.create({ did, method: 'call_to_caller', authMode: 'ani' });
    r.sim.setPhone(CALLER, { kind: 'answer', hangupAfterMs: 2_000 });

    const uuid = await accessCall(r, counter, did, CALLER);

    expect(r.sim.channel(uuid)).toMatchObject({ answeredAt: undefined, hangupCause: 'USER_BUSY' });
    const [session] = r.accessSessions;
    // In some orders FreeSWITCH is still unwinding the leg when the linger notice comes, so the
    // clock runs while the session waits for HANGUP_COMPLETE.
    let finished = false;
    void session!.finished.then(() => (finished = true));
    await r.runUntil(() => finished, 'the access session finished');
    const summary = await session!.finished;
    expect(summary).toMatchObject({ reason: 'hangup', hangupCause: 'USER_BUSY' });
    // The session waited for HANGUP_COMPLETE wherever the linger notice fell (04d).
    expect(summary.hangupComplete?.headers.get('Hangup-Cause')).toBe('USER_BUSY');
    const requests = await accessRequests(r, account.id);
    expect(requests).toHaveLength(1);
    await r.runUntil(async () => (await r.store.legs.listForRequest(requests[0]!.id)).length > 0, 'leg A dialed');
    expect(await r.store.legs.listForRequest(requests[0]!.id)).toEqual([expect.objectContaining({ role: 'A', number: CALLER })]);
    expect(await refusalsFor(r, did)).toEqual([]);
  });
});
