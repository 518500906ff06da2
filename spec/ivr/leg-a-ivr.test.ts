import type { E164 } from '../../lib/domain/phone-number';
import { LegAIvr, PromptCatalogue } from '../../lib/ivr';
import { startAccessRig, type AccessRig } from '../access/access-rig';
import { accessCall, accessRequests, freshDid, useAccessHandler } from '../access/support';
import { describeEachDatabase } from '../support/databases';
import { said, scriptDigits } from './support';

describeEachDatabase('leg-A IVR (C2)', (getDb, dbEngine) => {
  let rig: AccessRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('asks the PIN (ani_pin), announces balance, reads the destination, announces the maximum duration and dials it', async () => {
    const holder: { ivr?: LegAIvr } = {};
    const r = (rig = await startAccessRig(getDb(), dbEngine, {
      askDestination: { ask: (input) => required(holder.ivr).ask(input) },
    }));
    holder.ivr = new LegAIvr({ store: r.store, prompts: new PromptCatalogue('/prompts'), settings: r.settings, logger: r.logger });
    const counter = useAccessHandler(r);
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
    await r.runUntil(async () => {
      const legs = await r.store.legs.listForRequest(request!.id);
      return legs.some((leg) => leg.role === 'B');
    }, 'leg B dialed');

    const legs = await r.store.legs.listForRequest(request!.id);
    const legA = legs.find((leg) => leg.role === 'A')!;
    expect(legs.find((leg) => leg.role === 'B')?.number).toBe('+12025550262');
    const files = r.sim.channel(legA.uuid)?.playbacks.map((p) => p.file) ?? [];
    expect(files).toEqual(expect.arrayContaining(['/prompts/en/ivr/wrong_pin.wav', '/prompts/en/ivr/your_balance_is.wav', '/prompts/en/ivr/you_can_talk_for.wav']));
    const words = said.filter((s) => s.uuid === legA.uuid).map((s) => s.arg);
    // 10.00 paid in, 0.01 held for leg A's setup (B3): the available amount is announced.
    expect(words[0]).toBe('en currency pronounced 9.99');
    expect(words[1]).toMatch(/^en time_measurement pronounced /);
    expect((await r.store.pins.find({ accountId: account.id }))?.failedAttempts).toBe(0);
  });
});

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('not set');
  return value;
}
