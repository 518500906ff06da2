import { shippedPromptFiles } from '../support/prompt-files';
import type { E164 } from '../../lib/domain/phone-number';
import { maxCallSeconds, maxTalkSecondsForTwoLegs } from '../../lib/billing';
import { minorUnits } from '../../lib/domain/money';
import { LegAIvr, PromptCatalogue, type LegAIvrOptions } from '../../lib/ivr';
import type { CallbackRequest } from '../../lib/store';
import { startAccessRig, type AccessRig, type AccessRigOptions } from '../access/access-rig';
import { accessCall, accessRequests, freshDid, useAccessHandler } from '../access/support';
import { describeEachDatabase } from '../support/databases';
import { CallEnded } from '../../lib/esl/errors';
import { hangupOnPlayback, saidOn, scriptDigits } from './support';

const FINAL = ['completed', 'busy', 'no_answer', 'failed', 'cancelled'];

describeEachDatabase('leg-A IVR (C2)', (getDb, dbEngine) => {
  let rig: AccessRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  /** `errors`: what the IVR rejected with (a hangup must surface as CallEnded). */
  async function start(
    options: AccessRigOptions = {},
    ivr: Partial<LegAIvrOptions> = {},
  ): Promise<{ r: AccessRig; counter: { handled: () => number }; errors: unknown[] }> {
    const holder: { ivr?: LegAIvr } = {};
    const errors: unknown[] = [];
    const ask: LegAIvr['ask'] = (input) =>
      required(holder.ivr)
        .ask(input)
        .catch((error: unknown) => {
          errors.push(error);
          throw error;
        });
    const r = (rig = await startAccessRig(getDb(), dbEngine, { ...options, askDestination: { ask } }));
    holder.ivr = new LegAIvr({ store: r.store, prompts: new PromptCatalogue(shippedPromptFiles()), logger: r.logger, now: () => r.clock.now(), ...ivr });
    return { r, counter: useAccessHandler(r), errors };
  }

  /** An account with a PIN, calling from `caller` (authorized for it) to a fresh access number of `mode`. */
  async function subscriber(r: AccessRig, caller: E164, mode: 'ani_pin' | 'pin', pin = '4321'): Promise<{ accountId: number; did: E164 }> {
    const account = await r.account(1_000);
    if (mode === 'ani_pin') await r.store.callerIds.add({ accountId: account.id, number: caller, allowAuthorization: true });
    await r.store.pins.set({ accountId: account.id }, pin);
    const did = freshDid();
    // A `pin` number owned by the account (A3) identifies it whoever calls; the PIN proves it.
    await r.store.accessNumbers.create(mode === 'pin' ? { did, authMode: 'pin', accountId: account.id } : { did, authMode: 'ani_pin' });
    r.sim.setPhone(caller, { kind: 'answer' });
    return { accountId: account.id, did };
  }

  async function pinAudits(r: AccessRig, accountId: number): Promise<string[]> {
    const entries = await r.store.auditLog.list({ kind: 'refused', limit: 1000 });
    return entries.filter((entry) => entry.accountId === accountId && entry.reason.startsWith('pin_')).map((entry) => entry.reason);
  }

  async function legsOf(r: AccessRig, request: CallbackRequest): Promise<Awaited<ReturnType<AccessRig['store']['legs']['listForRequest']>>> {
    return r.store.legs.listForRequest(request.id);
  }

  async function untilEnded(r: AccessRig, request: CallbackRequest): Promise<void> {
    await r.runUntil(async () => {
      const row = await r.store.callbackRequests.findById(request.id);
      const legs = await legsOf(r, request);
      return row !== null && FINAL.includes(row.state) && legs.every((leg) => leg.endedAt !== null) && legs.length > 0;
    }, 'request ended');
  }

  function filesOn(r: AccessRig, uuid: string): string[] {
    return r.sim.channel(uuid)?.playbacks.map((p) => p.file).filter((file) => !file.startsWith('say:')) ?? [];
  }

  it('asks the PIN (ani_pin), announces balance, reads the destination, announces the maximum duration and dials it', async () => {
    const { r, counter } = await start();
    const caller = '+12025550161' as E164;
    const account = await r.account(1_000);
    await r.store.callerIds.add({ accountId: account.id, number: caller, allowAuthorization: true });
    await r.store.pins.set({ accountId: account.id }, '4321');
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani_pin' });
    r.sim.setPhone(caller, { kind: 'answer' });
    r.sim.setPhone('+12025550262', { kind: 'answer', hangupAfterMs: 5_000 });
    scriptDigits(r.sim, ['9999#', '4321#', '2025550262#']);

    await accessCall(r, counter, did, caller);
    const [request] = await accessRequests(r, account.id);
    await r.runUntil(async () => (await legsOf(r, request!)).some((leg) => leg.role === 'B'), 'leg B dialed');

    const legs = await legsOf(r, request!);
    const legA = legs.find((leg) => leg.role === 'A')!;
    expect(legs.find((leg) => leg.role === 'B')?.number).toBe('+12025550262');
    const files = filesOn(r, legA.uuid);
    expect(files).toEqual(expect.arrayContaining(['/prompts/en/ivr/wrong_pin.wav', '/prompts/en/ivr/your_balance_is.wav', '/prompts/en/ivr/you_can_talk_for.wav']));
    const words = saidOn(r.sim, legA.uuid);
    // 10.00 paid in, 0.01 held for leg A's setup (B3): the available amount is announced.
    expect(words[0]).toBe('en currency pronounced 9.99');
    expect(words[1]).toMatch(/^en time_measurement pronounced /);
    expect((await r.store.pins.find({ accountId: account.id }))?.failedAttempts).toBe(0);
  });

  it('#18 item 3: announces the talk the engine enforces, both legs paid from the same money, not what leg B alone would allow', async () => {
    const { r, counter } = await start();
    const caller = '+12025550163' as E164;
    const destination = '+12025550264' as E164;
    const account = await r.account(10);
    await r.store.callerIds.add({ accountId: account.id, number: caller, allowAuthorization: true });
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani' });
    r.sim.setPhone(caller, { kind: 'answer' });
    r.sim.setPhone(destination, { kind: 'answer', hangupAfterMs: 24 * 3_600_000 });
    scriptDigits(r.sim, ['2025550264#']);

    await accessCall(r, counter, did, caller);
    const [request] = await accessRequests(r, account.id);
    await untilEnded(r, request!);

    const legs = await legsOf(r, request!);
    const legA = legs.find((leg) => leg.role === 'A')!;
    const cdrB = (await r.store.cdrs.findByLegUuid(legs.find((leg) => leg.role === 'B')!.uuid))!;
    const spoken = saidOn(r.sim, legA.uuid).find((words) => words.startsWith('en time_measurement pronounced '));
    const announced = Number(spoken?.split(' ').pop());
    const rateA = (await r.store.tariffs.findRateByLongestPrefix(account.callbackTariffId!, caller))!;
    const rateB = (await r.store.tariffs.findRateByLongestPrefix(account.tariffId!, destination))!;
    // Leg A answered at the instant the IVR ran (a stepping clock): its head start over B is B's ring time.
    expect(announced).toBe(maxTalkSecondsForTwoLegs({ rateA, rateB, aAlreadyAnsweredSeconds: r.settings.waitTimeSeconds, availableMinor: 10 }));
    // Spoken is what the talk was cut at, and less than leg B's rate alone pays for (what was announced before).
    expect(cdrB.billsec).toBe(announced);
    expect(announced).toBeLessThan(maxCallSeconds({ rate: rateB, availableMinor: 10 }));
  });

  it('A2/A6: a stranger on a PIN number names an account and its PIN; leg B and leg A from then on are that account’s', async () => {
    const { r, counter } = await start();
    const stranger = '+12025550171' as E164;
    const account = await r.account(1_000);
    await r.store.pins.set({ accountId: account.id }, '2468');
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'pin' });
    r.sim.setPhone(stranger, { kind: 'answer' });
    r.sim.setPhone('+12025550272', { kind: 'answer', hangupAfterMs: 60_000 });
    scriptDigits(r.sim, [`${account.id}#`, '2468#', '2025550272#']);
    const operatorBefore = (await r.store.accounts.balance(r.operatorCallbackAccountId))!.balanceMinor;
    const accountBefore = (await r.store.accounts.balance(account.id))!.balanceMinor;

    await accessCall(r, counter, did, stranger);
    const [request] = await accessRequests(r, r.operatorCallbackAccountId);
    expect(request?.source).toBe(stranger);
    await untilEnded(r, request!);

    const legs = await legsOf(r, request!);
    const legA = legs.find((leg) => leg.role === 'A')!;
    const legB = legs.find((leg) => leg.role === 'B')!;
    expect(legB.number).toBe('+12025550272');
    expect(filesOn(r, legA.uuid)).toEqual(expect.arrayContaining(['/prompts/en/ivr/enter_account.wav', '/prompts/en/ivr/enter_pin.wav', '/prompts/en/ivr/enter_destination.wav']));
    const cdrB = await r.store.cdrs.findByLegUuid(legB.uuid);
    const cdrA = await r.store.cdrs.findByLegUuid(legA.uuid);
    expect(cdrB).toMatchObject({ accountId: account.id });
    expect(cdrB!.costMinor).toBeGreaterThan(0);
    expect(cdrA).toMatchObject({ accountId: account.id });
    expect(Number(cdrA!.raw?.operatorSeconds)).toBeGreaterThan(0);
    const operatorSpent = operatorBefore - (await r.store.accounts.balance(r.operatorCallbackAccountId))!.balanceMinor;
    const accountSpent = accountBefore - (await r.store.accounts.balance(account.id))!.balanceMinor;
    // The IVR time before the PIN is the operator's, the rest of A and all of B the account's.
    expect(operatorSpent).toBeGreaterThan(0);
    expect(accountSpent + operatorSpent).toBe(cdrA!.costMinor + cdrB!.costMinor);
    expect((await r.store.accounts.balance(account.id))!.reservedMinor).toBe(0);
  });

  it('A4 (#18 item 4): a calling card and its PIN pay leg B and their own whole leg A, the card charged exactly the CDR costs against its holds, the operator nothing', async () => {
    const { r, counter } = await start();
    const stranger = '+12025550181' as E164;
    const card = await r.store.cards.create({ number: '700012345678', balanceMinor: minorUnits(500), currency: 'USD', active: true, accountId: null, expiresAt: null });
    await r.store.pins.set({ cardId: card.id }, '1357');
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'card' });
    r.sim.setPhone(stranger, { kind: 'answer' });
    r.sim.setPhone('+12025550282', { kind: 'answer', hangupAfterMs: 60_000 });
    scriptDigits(r.sim, ['700012345678#', '1357#', '2025550282#']);
    const operatorBefore = (await r.store.accounts.balance(r.operatorCallbackAccountId))!.balanceMinor;

    await accessCall(r, counter, did, stranger);
    const [request] = await accessRequests(r, r.operatorCallbackAccountId);
    await untilEnded(r, request!);

    const legs = await legsOf(r, request!);
    const legA = legs.find((leg) => leg.role === 'A')!;
    const legB = legs.find((leg) => leg.role === 'B')!;
    expect(filesOn(r, legA.uuid)).toEqual(expect.arrayContaining(['/prompts/en/ivr/enter_card_number.wav', '/prompts/en/ivr/enter_pin.wav']));
    expect(saidOn(r.sim, legA.uuid)[0]).toBe('en currency pronounced 5.00');
    const cdrB = await r.store.cdrs.findByLegUuid(legB.uuid);
    expect(cdrB?.raw).toMatchObject({ payer: 'card', cardId: card.id });
    expect(cdrB!.costMinor).toBeGreaterThan(0);
    const cdrA = await r.store.cdrs.findByLegUuid(legA.uuid);
    expect(cdrA?.raw).toMatchObject({ payer: 'card', cardId: card.id, operatorSeconds: 0 });
    expect(cdrA!.costMinor).toBeGreaterThan(0);
    // Held before B was dialed, charged against the holds: exactly the CDRs' costs, nothing left held.
    expect(await r.store.cards.findById(card.id)).toMatchObject({ balanceMinor: 500 - cdrA!.costMinor - cdrB!.costMinor, reservedMinor: 0 });
    expect((await r.store.accounts.balance(r.operatorCallbackAccountId))!.balanceMinor).toBe(operatorBefore);
  });

  it('A5: wrong PINs are counted across calls and lock the PIN out, even against the right one', async () => {
    const { r, counter } = await start();
    const caller = '+12025550191' as E164;
    const { accountId, did } = await subscriber(r, caller, 'ani_pin');
    // Call 1: two wrong PINs, then nothing (the third try times out): no callback to B, two counted.
    scriptDigits(r.sim, ['1111#', '2222#']);
    await accessCall(r, counter, did, caller);
    const [first] = await accessRequests(r, accountId);
    await untilEnded(r, first!);
    expect((await r.store.pins.find({ accountId }))?.failedAttempts).toBe(2);
    expect((await legsOf(r, first!)).map((leg) => leg.role)).toEqual(['A']);

    // Call 2: the third wrong PIN locks it; call 3: the right PIN is not even compared.
    scriptDigits(r.sim, ['3333#', '4321#']);
    await accessCall(r, counter, did, caller);
    await r.runUntil(async () => (await accessRequests(r, accountId)).length === 2, 'second callback ordered');
    const second = (await accessRequests(r, accountId)).find((request) => request.id !== first!.id)!;
    await untilEnded(r, second);
    const secondA = (await legsOf(r, second))[0]!;
    expect(filesOn(r, secondA.uuid)).toContain('/prompts/en/ivr/pin_locked.wav');

    scriptDigits(r.sim, ['4321#']);
    await accessCall(r, counter, did, caller);
    await r.runUntil(async () => (await accessRequests(r, accountId)).length === 3, 'third callback ordered');
    const third = (await accessRequests(r, accountId)).find((request) => request.id !== first!.id && request.id !== second.id)!;
    await untilEnded(r, third);
    const thirdLegs = await legsOf(r, third);
    expect(thirdLegs.map((leg) => leg.role)).toEqual(['A']);
    expect(filesOn(r, thirdLegs[0]!.uuid)).toEqual(expect.arrayContaining(['/prompts/en/ivr/enter_pin.wav', '/prompts/en/ivr/pin_locked.wav']));
    expect((await r.store.pins.find({ accountId }))?.lockedUntil).toBeGreaterThan(r.clock.now());
    expect(await pinAudits(r, accountId)).toEqual(expect.arrayContaining(['pin_wrong', 'pin_locked']));
  });

  it('A2: a right PIN remembers the caller ID, and the next call from it skips the PIN', async () => {
    const { r, counter } = await start();
    const caller = '+12025550192' as E164;
    const { accountId, did } = await subscriber(r, caller, 'pin');
    r.sim.setPhone('+12025550293', { kind: 'answer', hangupAfterMs: 2_000 });
    scriptDigits(r.sim, ['4321#', '2025550293#']);
    await accessCall(r, counter, did, caller);
    const [first] = await accessRequests(r, accountId);
    await untilEnded(r, first!);
    const firstA = (await legsOf(r, first!)).find((leg) => leg.role === 'A')!;
    expect(filesOn(r, firstA.uuid)).toContain('/prompts/en/ivr/enter_pin.wav');
    expect(await r.store.callerIds.findByNumber(caller)).toMatchObject({ accountId, allowAuthorization: true });

    scriptDigits(r.sim, ['2025550293#']);
    await accessCall(r, counter, did, caller);
    await r.runUntil(async () => (await accessRequests(r, accountId)).length === 2, 'second callback ordered');
    const second = (await accessRequests(r, accountId)).find((request) => request.id !== first!.id)!;
    await r.runUntil(async () => (await legsOf(r, second)).some((leg) => leg.role === 'B'), 'leg B dialed without a PIN');
    const secondA = (await legsOf(r, second)).find((leg) => leg.role === 'A')!;
    expect(filesOn(r, secondA.uuid)).not.toContain('/prompts/en/ivr/enter_pin.wav');
    expect(filesOn(r, secondA.uuid)).toContain('/prompts/en/ivr/enter_destination.wav');
  });

  it('C2: a destination outside the tariff is "not allowed" and asked again; the next one is dialed', async () => {
    const { r, counter } = await start();
    const caller = '+12025550193' as E164;
    const { accountId, did } = await subscriber(r, caller, 'ani_pin');
    r.sim.setPhone('+12025550294', { kind: 'answer', hangupAfterMs: 2_000 });
    scriptDigits(r.sim, ['4321#', '0033142685300#', '2025550294#']);
    await accessCall(r, counter, did, caller);
    const [request] = await accessRequests(r, accountId);
    await r.runUntil(async () => (await legsOf(r, request!)).some((leg) => leg.role === 'B'), 'leg B dialed');
    const legs = await legsOf(r, request!);
    expect(legs.filter((leg) => leg.role === 'B').map((leg) => leg.number)).toEqual(['+12025550294']);
    const files = filesOn(r, legs.find((leg) => leg.role === 'A')!.uuid);
    const notAllowed = files.indexOf('/prompts/en/ivr/destination_not_allowed.wav');
    expect(notAllowed).toBeGreaterThan(-1);
    expect(files.slice(notAllowed + 1)).toContain('/prompts/en/ivr/enter_destination.wav');
  });

  it('C4: on an access callback B1 talks and hangs up, A is asked again, B2 is dialed and bridged, A hangs up: completed, every leg billed', async () => {
    // As lib/service/start-service.ts configures it: the two-stage loop is for access callbacks.
    const { r, counter } = await start({ engine: { askAgainAfterTalk: (request) => request.trigger === 'access' } });
    const caller = '+12025550189' as E164;
    const first = '+12025550289' as E164;
    const second = '+12025550290' as E164;
    const { accountId, did } = await subscriber(r, caller, 'ani_pin');
    r.sim.setPhone(first, { kind: 'answer', hangupAfterMs: 20_000 });
    r.sim.setPhone(second, { kind: 'answer' });
    const digits = scriptDigits(r.sim, ['4321#', '2025550289#', '2025550290#']);
    const before = (await r.store.accounts.balance(accountId))!.balanceMinor;

    await accessCall(r, counter, did, caller);
    const [request] = await accessRequests(r, accountId);
    expect(request?.trigger).toBe('access');
    const b2 = async (): Promise<{ legA: { uuid: string }; legB2: { uuid: string } } | undefined> => {
      const legs = await legsOf(r, request!);
      const legA = legs.find((leg) => leg.role === 'A');
      const legB2 = legs.find((leg) => leg.role === 'B' && leg.number === second);
      return legA && legB2 ? { legA, legB2 } : undefined;
    };
    await r.runUntil(async () => {
      const found = await b2();
      return found !== undefined && r.sim.channel(found.legB2.uuid)?.bridgedTo === found.legA.uuid;
    }, 'B2 dialed, answered and bridged to A', 120_000);
    const { legA } = (await b2())!;
    expect((await r.store.callbackRequests.findById(request!.id))?.state).toBe('bridged');

    // A hangs up during the second talk: nothing else (no `#11`) is needed to end the loop.
    r.sim.hangup(legA.uuid);
    await untilEnded(r, request!);

    expect(digits.pressed).toEqual(['4321#', '2025550289#', '2025550290#']);
    expect((await r.store.callbackRequests.findById(request!.id))?.state).toBe('completed');
    const legs = await legsOf(r, request!);
    expect(legs.map((leg) => `${leg.role} ${leg.role === 'B' ? leg.number : ''}`).sort()).toEqual(['A ', `B ${first}`, `B ${second}`]);
    const legB1 = legs.find((leg) => leg.role === 'B' && leg.number === first)!;
    const legB2 = legs.find((leg) => leg.role === 'B' && leg.number === second)!;
    // B1 talked and hung up by itself (hangupAfterMs); only then was A asked for a new destination.
    const b1Channel = r.sim.channel(legB1.uuid)!;
    expect(b1Channel.answeredAt).toBeDefined();
    expect(b1Channel.hangupAt! - b1Channel.answeredAt!).toBeGreaterThanOrEqual(20_000);
    const prompts = r.sim.channel(legA.uuid)!.playbacks.filter((p) => p.file === '/prompts/en/ivr/enter_destination.wav');
    expect(prompts.length).toBe(2);
    expect(prompts[1]!.startedAt).toBeGreaterThanOrEqual(b1Channel.hangupAt!);
    expect(r.sim.channel(legB2.uuid)!.answeredAt).toBeGreaterThan(b1Channel.hangupAt!);
    expect(legs.every((leg) => leg.endedAt !== null)).toBe(true);

    const cdrs = await Promise.all(legs.map((leg) => r.store.cdrs.findByLegUuid(leg.uuid)));
    for (const cdr of cdrs) expect(cdr).not.toBeNull();
    const cdrB1 = await r.store.cdrs.findByLegUuid(legB1.uuid);
    const cdrB2 = await r.store.cdrs.findByLegUuid(legB2.uuid);
    expect(cdrB1!.costMinor).toBeGreaterThan(0);
    expect(cdrB2!.costMinor).toBeGreaterThanOrEqual(0);
    const after = (await r.store.accounts.balance(accountId))!;
    expect(before - after.balanceMinor).toBe(cdrs.reduce((sum, cdr) => sum + cdr!.costMinor, 0));
    expect(after.reservedMinor).toBe(0);
  });

  const hangupSteps: Array<[string, string, 'ani_pin' | 'stranger', E164]> = [
    ['PIN entry', 'enter_pin', 'ani_pin', '+12025550194' as E164],
    ['account number entry (A2)', 'enter_account', 'stranger', '+12025550195' as E164],
    ['balance announcement', 'say://', 'ani_pin', '+12025550196' as E164],
    ['destination entry', 'enter_destination', 'ani_pin', '+12025550197' as E164],
    ['maximum duration announcement', 'you_can_talk_for', 'ani_pin', '+12025550198' as E164],
  ];

  it.each(hangupSteps)('a hangup during the %s ends the IVR with CallEnded and writes nothing half-way', async (_step, fragment, who, caller) => {
    const { r, counter, errors } = await start();
    let accountId: number;
    let did: E164;
    if (who === 'stranger') {
      const account = await r.account(1_000);
      await r.store.pins.set({ accountId: account.id }, '4321');
      accountId = account.id;
      did = freshDid();
      await r.store.accessNumbers.create({ did, authMode: 'pin' });
      r.sim.setPhone(caller, { kind: 'answer' });
      scriptDigits(r.sim, [`${account.id}#`, '4321#', '2025550295#']);
    } else {
      ({ accountId, did } = await subscriber(r, caller, 'ani_pin'));
      // A digit collection that the hangup interrupts gets no entry of its own.
      scriptDigits(r.sim, fragment === 'enter_pin' ? [] : fragment === 'enter_destination' ? ['4321#'] : ['4321#', '2025550295#']);
    }
    const hangup = hangupOnPlayback(r.sim, fragment);

    await accessCall(r, counter, did, caller);
    const [request] = await accessRequests(r, who === 'stranger' ? r.operatorCallbackAccountId : accountId);
    await untilEnded(r, request!);

    expect(hangup.hungUp()).toBeDefined();
    expect(errors.length).toBe(1);
    expect(errors[0]).toBeInstanceOf(CallEnded);
    const legs = await legsOf(r, request!);
    expect(legs.map((leg) => leg.role)).toEqual(['A']);
    expect(legs[0]).toMatchObject({ uuid: hangup.hungUp() });
    expect(legs[0]!.endedAt).not.toBeNull();
    expect((await r.store.pins.find({ accountId }))?.failedAttempts).toBe(0);
    expect(await pinAudits(r, accountId)).toEqual([]);
    // Nothing remembered: a stranger's number stays unknown, a subscriber's is not marked.
    const callerId = await r.store.callerIds.findByNumber(caller);
    if (who === 'stranger') expect(callerId).toBeNull();
    else expect(callerId).toMatchObject({ rememberedAt: null });
    expect((await r.store.accounts.balance(accountId))!.reservedMinor).toBe(0);
    expect((await r.store.accounts.balance(r.operatorCallbackAccountId))!.reservedMinor).toBe(0);
    expect(await r.store.cdrs.findByLegUuid(legs[0]!.uuid)).not.toBeNull();
  });
});

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('not set');
  return value;
}
