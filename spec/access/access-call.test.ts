import type { E164 } from '../../lib/domain/phone-number';
import { describeEachDatabase } from '../support/databases';
import { startAccessRig, type AccessRig } from './access-rig';
import { accessCall, accessRequests, freshDid, refusalsFor, useAccessHandler } from './support';

const CALLER = '+12025550101' as E164;

describeEachDatabase('access-number calls (T1)', (getDb, dbEngine) => {
  let rig: AccessRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function start(): Promise<{ r: AccessRig; counter: { handled: () => number } }> {
    const r = (rig = await startAccessRig(getDb(), dbEngine));
    return { r, counter: useAccessHandler(r) };
  }

  async function authorizedCaller(r: AccessRig, number: E164): Promise<number> {
    const account = await r.account(1_000);
    await r.store.callerIds.remove(account.id, number);
    const existing = await r.store.callerIds.findByNumber(number);
    if (existing) await r.store.callerIds.remove(existing.accountId, number);
    await r.store.callerIds.add({ accountId: account.id, number, allowAuthorization: true });
    return account.id;
  }

  it('refuses the call unanswered with the configured cause, then calls the caller back after the delay', async () => {
    const { r, counter } = await start();
    const accountId = await authorizedCaller(r, CALLER);
    const did = freshDid();
    await r.store.accessNumbers.create({ did, method: 'call_to_caller', authMode: 'ani' });
    r.sim.setPhone(CALLER, { kind: 'answer', hangupAfterMs: 2_000 });
    const t0 = r.clock.now();

    const uuid = await accessCall(r, counter, did, CALLER);

    const inbound = r.sim.channel(uuid);
    expect(inbound?.answeredAt).toBeUndefined();
    expect(inbound?.hangupCause).toBe('USER_BUSY');
    const [request] = await accessRequests(r, accountId);
    expect(request).toMatchObject({ trigger: 'access', source: CALLER, destination: null, idempotencyKey: uuid, dueAt: t0 + 3_000 });
    expect(request?.data).toMatchObject({ accessNumber: did, unidentified: false });

    await r.runUntil(async () => (await r.store.legs.listForRequest(request!.id)).length > 0, 'leg A dialed');
    const [legA] = await r.store.legs.listForRequest(request!.id);
    expect(legA).toMatchObject({ role: 'A', number: CALLER });
    expect(legA!.createdAt).toBeGreaterThanOrEqual(t0 + 3_000);
    expect(await refusalsFor(r, did)).toEqual([]);
  });

  it('takes the hangup cause as a Q.850 code and the delay from the access number', async () => {
    const { r, counter } = await start();
    const accountId = await authorizedCaller(r, CALLER);
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani', settings: { rejectHangupCause: 21, delaySeconds: 10 } });
    r.sim.setPhone(CALLER, { kind: 'busy' });
    const t0 = r.clock.now();

    const uuid = await accessCall(r, counter, did, CALLER.slice(1));

    expect(r.sim.channel(uuid)?.hangupCause).toBe('CALL_REJECTED');
    expect(r.sim.channel(uuid)?.answeredAt).toBeUndefined();
    const [request] = await accessRequests(r, accountId);
    expect(request?.dueAt).toBe(t0 + 10_000);
  });

  it('refuses an unknown caller on an ANI access number, with an audit line and no callback', async () => {
    const { r, counter } = await start();
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani' });
    const before = (await accessRequests(r)).length;

    const uuid = await accessCall(r, counter, did, '+12025550177');

    expect(r.sim.channel(uuid)).toMatchObject({ hangupCause: 'USER_BUSY', answeredAt: undefined });
    expect((await accessRequests(r)).length).toBe(before);
    expect((await refusalsFor(r, did)).map((e) => [e.reason, e.caller])).toEqual([['unknown_caller', '+12025550177']]);
  });

  it('refuses an anonymous caller when no account owns the DID', async () => {
    const { r, counter } = await start();
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'pin' });

    await accessCall(r, counter, did, 'anonymous');

    expect((await refusalsFor(r, did)).map((e) => [e.reason, e.caller])).toEqual([['anonymous_caller', 'anonymous']]);
  });

  it("A3: calls back the owner's predefined number for a call to its DID with a hidden caller ID", async () => {
    const { r, counter } = await start();
    const home = '+12025550333' as E164;
    const owner = await r.account(1_000, { callbackNumber: home });
    const did = freshDid();
    await r.store.accessNumbers.create({ did, accountId: owner.id, authMode: 'ani' });
    r.sim.setPhone(home, { kind: 'busy' });

    await accessCall(r, counter, did, 'anonymous');

    const [request] = await accessRequests(r, owner.id);
    expect(request).toMatchObject({ source: home, accountId: owner.id });
    await r.runUntil(async () => (await r.store.legs.listForRequest(request!.id)).length > 0, 'leg A dialed');
    expect((await r.store.legs.listForRequest(request!.id))[0]?.number).toBe(home);
  });

  it("#18 item 2: a visible stranger calling an owned DID (ani) is refused, not called back on the owner's money; the owner's verified caller ID is", async () => {
    const { r, counter } = await start();
    const owner = await r.account(1_000, { callbackNumber: '+12025550334' as E164 });
    const did = freshDid();
    await r.store.accessNumbers.create({ did, accountId: owner.id, method: 'call_to_caller', authMode: 'ani' });
    const mine = '+12025550335' as E164;
    await r.store.callerIds.add({ accountId: owner.id, number: mine, allowAuthorization: true });
    r.sim.setPhone(mine, { kind: 'busy' });

    await accessCall(r, counter, did, '+12025550178');
    expect(await accessRequests(r, owner.id)).toEqual([]);
    expect((await refusalsFor(r, did)).map((e) => [e.reason, e.caller, e.accountId])).toEqual([['unknown_caller', '+12025550178', owner.id]]);

    await accessCall(r, counter, did, mine);
    expect((await accessRequests(r, owner.id)).map((request) => request.source)).toEqual([mine]);
  });

  it('#18 item 2: call to number on an owned DID calls its fixed target for an anonymous caller', async () => {
    const { r, counter } = await start();
    const owner = await r.account(1_000);
    const did = freshDid();
    const fixed = '+12025550336' as E164;
    await r.store.accessNumbers.create({ did, accountId: owner.id, method: 'call_to_number', targetNumber: fixed, authMode: 'ani' });
    r.sim.setPhone(fixed, { kind: 'busy' });

    await accessCall(r, counter, did, 'anonymous');

    expect((await accessRequests(r, owner.id)).map((request) => request.source)).toEqual([fixed]);
    expect(await refusalsFor(r, did)).toEqual([]);
  });

  it('A6: refuses a caller whose number is outside the callback tariff', async () => {
    const { r, counter } = await start();
    const british = '+442079460001' as E164;
    const accountId = await authorizedCaller(r, british);
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani' });

    await accessCall(r, counter, did, british);

    expect(await accessRequests(r, accountId)).toEqual([]);
    expect((await refusalsFor(r, did)).map((e) => [e.reason, e.accountId])).toEqual([['not_in_callback_tariff', accountId]]);
  });

  it('calls back a stranger on a PIN access number, leg A paid by the operator', async () => {
    const { r, counter } = await start();
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'pin' });
    r.sim.setPhone('+12025550188', { kind: 'busy' });

    await accessCall(r, counter, did, '+12025550188');

    const [request] = await accessRequests(r, r.operatorCallbackAccountId);
    expect(request).toMatchObject({ source: '+12025550188', accountId: r.operatorCallbackAccountId });
    expect(request?.data).toMatchObject({ unidentified: true });
  });

  it('A5: refuses a blocked caller, an unknown DID and an inactive access number', async () => {
    const { r, counter } = await start();
    await authorizedCaller(r, CALLER);
    const blocking = freshDid();
    await r.store.accessNumbers.create({ did: blocking, authMode: 'ani', settings: { blockedCallers: ['+1202555*'] } });
    const inactive = freshDid();
    await r.store.accessNumbers.create({ did: inactive, authMode: 'ani', active: false });
    const unknown = freshDid();

    await accessCall(r, counter, blocking, CALLER);
    await accessCall(r, counter, inactive, CALLER);
    const uuid = await accessCall(r, counter, unknown, CALLER);

    expect((await refusalsFor(r, blocking)).map((e) => e.reason)).toEqual(['blocked_caller']);
    expect((await refusalsFor(r, inactive)).map((e) => e.reason)).toEqual(['access_number_inactive']);
    expect((await refusalsFor(r, unknown)).map((e) => e.reason)).toEqual(['unknown_access_number']);
    expect(r.sim.channel(uuid)).toMatchObject({ hangupCause: 'USER_BUSY', answeredAt: undefined });
  });

  it('#17.5: an access number\'s trunk pins the carrier of its callback\'s leg A', async () => {
    const { r, counter } = await start();
    const accountId = await authorizedCaller(r, CALLER);
    const trunked = freshDid();
    await r.store.accessNumbers.create({ did: trunked, authMode: 'ani', settings: { trunk: 'carrier-b' } });

    await accessCall(r, counter, trunked, CALLER);

    const [request] = await accessRequests(r, accountId);
    expect(request?.data).toMatchObject({ accessNumber: trunked, trunk: 'carrier-b' });
  });

  it('A5: refuses over the per-caller rate and over the concurrent callbacks of the account', async () => {
    const { r, counter } = await start();
    const caller = '+12025550150' as E164;
    const accountId = await authorizedCaller(r, caller);
    await r.store.accounts.update(accountId, { maxConcurrentCallbacks: 1 });
    const limited = freshDid();
    await r.store.accessNumbers.create({ did: limited, authMode: 'ani', settings: { perCallerMax: 2, perCallerWindowMinutes: 60, maxConcurrentPerAccount: 5 } });
    r.sim.setPhone(caller, { kind: 'no-answer' });

    await accessCall(r, counter, limited, caller);
    const [first] = await accessRequests(r, accountId);
    await r.runUntil(async () => (await r.store.legs.listForRequest(first!.id)).length > 0, 'first callback dialing');
    // The first callback still rings: the second call finds one call of the account in progress.
    await accessCall(r, counter, limited, caller);
    expect((await refusalsFor(r, limited)).map((e) => e.reason)).toEqual(['too_many_concurrent']);

    await r.store.accounts.update(accountId, { maxConcurrentCallbacks: 10 });
    await accessCall(r, counter, limited, caller);
    await accessCall(r, counter, limited, caller);
    expect((await refusalsFor(r, limited)).map((e) => e.reason)).toEqual(['rate_limited_caller', 'too_many_concurrent']);
    expect((await accessRequests(r, accountId)).length).toBe(2);
  });

  it('#15 item 8: a number waiting for its verification code does not authorize an access call', async () => {
    const { r, counter } = await start();
    const account = await r.account(1_000);
    const caller = '+12025550152' as E164;
    const held = await r.store.callerIds.findByNumber(caller);
    if (held) await r.store.callerIds.remove(held.accountId, caller);
    await r.store.callerIdClaims.recordCode(
      { accountId: account.id, number: caller, allowAuthorization: true, codeHash: 'scrypt$never-sent', expiresAt: r.clock.now() + 60_000 },
      { minIntervalMs: 0, maxSends: 5 },
    );
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani' });

    await accessCall(r, counter, did, caller);

    expect((await refusalsFor(r, did)).map((e) => e.reason)).toEqual(['unknown_caller']);
    expect(await accessRequests(r, account.id)).toEqual([]);
  });

  it('A5: callbacks scheduled for later are not calls in progress: an account with 33 of them still gets its access callback', async () => {
    const { r, counter } = await start();
    const caller = '+12025550151' as E164;
    const accountId = await authorizedCaller(r, caller);
    await r.store.accounts.update(accountId, { maxConcurrentCallbacks: 2 });
    const dueTomorrow = r.clock.now() + 24 * 3600_000;
    for (let i = 0; i < 33; i += 1) {
      await r.engine.order({ accountId, trigger: 'cli', source: caller, destination: '+493012345678', dueAt: dueTomorrow + i * 60_000 });
    }
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani', settings: { maxConcurrentPerAccount: 5 } });
    r.sim.setPhone(caller, { kind: 'no-answer' });

    await accessCall(r, counter, did, caller);

    expect(await refusalsFor(r, did)).toEqual([]);
    expect((await accessRequests(r, accountId)).length).toBe(1);
  });
});
