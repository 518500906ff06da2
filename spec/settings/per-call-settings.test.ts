import { shippedPromptFiles } from '../support/prompt-files';
import { OrderRefused } from '../../lib/callback/engine';
import type { E164 } from '../../lib/domain/phone-number';
import { LegAIvr, PromptCatalogue } from '../../lib/ivr';
import { engineOrdering } from '../../lib/sms/engine-ordering';
import type { CallbackRequest } from '../../lib/store';
import { startAccessRig, type AccessRig } from '../access/access-rig';
import { accessCall, accessRequests, freshDid, useAccessHandler } from '../access/support';
import { scriptDigits } from '../ivr/support';
import { describeEachDatabase } from '../support/databases';

/*
 * #18 item 1 through the simulator: one resolution order (request > access number > account >
 * system) for every path that acts for a call.
 */

const FINAL = ['completed', 'busy', 'no_answer', 'failed', 'cancelled'];

describeEachDatabase('callback settings per access number and per account', (getDb, dbEngine) => {
  let rig: AccessRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function start(): Promise<{ r: AccessRig; counter: { handled: () => number } }> {
    const holder: { ivr?: LegAIvr } = {};
    const r = (rig = await startAccessRig(getDb(), dbEngine, {
      callback: { waitTimeSeconds: 30 },
      askDestination: { ask: (input) => (holder.ivr as LegAIvr).ask(input) },
    }));
    holder.ivr = new LegAIvr({ store: r.store, prompts: new PromptCatalogue(shippedPromptFiles()), logger: r.logger, now: () => r.clock.now() });
    return { r, counter: useAccessHandler(r) };
  }

  async function ended(r: AccessRig, request: CallbackRequest): Promise<CallbackRequest> {
    let row: CallbackRequest | null = null;
    await r.runUntil(async () => {
      row = await r.store.callbackRequests.findById(request.id);
      return row !== null && FINAL.includes(row.state);
    }, `request ${request.id} ended`);
    return row as unknown as CallbackRequest;
  }

  async function legARingSeconds(r: AccessRig, request: CallbackRequest): Promise<number> {
    await ended(r, request);
    const [legA] = await r.store.legs.listForRequest(request.id);
    return Math.round(((legA?.endedAt ?? 0) - (legA?.createdAt ?? 0)) / 1000);
  }

  it('a DID override beats the account, which beats the system; the order itself beats all', async () => {
    const { r } = await start();
    const account = await r.account(1_000, { settings: { maxRetries: 3, waitTimeSeconds: 12 } });
    const plainAccount = await r.account(1_000);
    const did = freshDid();
    await r.store.accessNumbers.create({ did, accountId: account.id, settings: { maxRetries: 5, waitTimeSeconds: 7 } });
    const source = '+12025550181' as E164;
    r.sim.setPhone(source, { kind: 'no-answer' });
    const far = r.clock.now() + 3_600_000;

    const system = await r.engine.order({ accountId: plainAccount.id, source, destination: '+12025550282', dueAt: far });
    const ofAccount = await r.engine.order({ accountId: account.id, source, destination: '+12025550282', dueAt: far });
    const ofDid = await r.engine.order({ accountId: account.id, source, destination: '+12025550282', accessNumber: did });
    const ofOrder = await r.engine.order({ accountId: account.id, source, destination: '+12025550282', accessNumber: did, retry: { maxRetries: 1 }, dueAt: far });

    expect([system, ofAccount, ofDid, ofOrder].map((o) => o.request.maxAttempts)).toEqual([1, 4, 6, 2]);
    // The engine dials leg A with the DID's ring time, not the account's 12 s or the system's 30 s.
    expect(await legARingSeconds(r, ofDid.request)).toBe(7);
    await r.engine.cancel(system.request.id);
    await r.engine.cancel(ofOrder.request.id);
    const accountsOwn = await r.engine.order({ accountId: account.id, source, destination: '+12025550282', retry: { maxRetries: 0 } });
    expect(await legARingSeconds(r, accountsOwn.request)).toBe(12);
    await r.engine.cancel(ofAccount.request.id);
  });

  it('rings the access call for ringBeforeRejectSeconds before refusing it, unanswered', async () => {
    const { r, counter } = await start();
    const caller = '+12025550183' as E164;
    const account = await r.account(1_000);
    await r.store.callerIds.add({ accountId: account.id, number: caller, allowAuthorization: true });
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani', settings: { ringBeforeRejectSeconds: 10, delaySeconds: 60 } });
    const progress: string[] = [];
    r.sim.on('event', (event) => {
      if (event.headers.get('Event-Name') === 'CHANNEL_PROGRESS') progress.push(event.headers.get('Unique-ID') ?? '');
    });

    const uuid = await accessCall(r, counter, did, caller);

    const inbound = r.sim.channel(uuid);
    expect(progress).toContain(uuid);
    expect(inbound?.answeredAt).toBeUndefined();
    expect(inbound?.hangupCause).toBe('USER_BUSY');
    expect((inbound?.hangupAt ?? 0) - (inbound?.createdAt ?? 0)).toBeGreaterThanOrEqual(10_000);
    expect(await accessRequests(r, account.id)).toHaveLength(1);
  });

  it('speaks the language the DID names over the account language, falls back to English for a language without prompts, and leaves out the balance when the DID says so', async () => {
    const { r, counter } = await start();
    const caller = '+12025550185' as E164;
    const account = await r.account(1_000, { language: 'de' });
    await r.store.callerIds.add({ accountId: account.id, number: caller, allowAuthorization: true });
    const french = freshDid();
    const plain = freshDid();
    await r.store.accessNumbers.create({ did: french, authMode: 'ani', settings: { language: 'fr', announceBalance: false } });
    await r.store.accessNumbers.create({ did: plain, authMode: 'ani' });
    r.sim.setPhone(caller, { kind: 'answer' });
    scriptDigits(r.sim, ['#', '#', '#', '#', '#', '#']);

    const files: string[][] = [];
    for (const did of [french, plain]) {
      await accessCall(r, counter, did, caller);
      const requests = await accessRequests(r, account.id);
      const request = requests.find((row) => row.data.accessNumber === did)!;
      await ended(r, request);
      const [legA] = await r.store.legs.listForRequest(request.id);
      files.push((r.sim.channel(legA!.uuid)?.playbacks ?? []).map((p) => p.file).filter((file) => file.startsWith('/prompts/')));
    }

    expect(files[0]).toContain('/prompts/fr/ivr/enter_destination.wav');
    expect(files[0]).not.toContain('/prompts/fr/ivr/your_balance_is.wav');
    // The account's German has no prompts in the shipped list: each is played from the English folder.
    expect(files[1]).toEqual(expect.arrayContaining(['/prompts/en/ivr/your_balance_is.wav', '/prompts/en/ivr/enter_destination.wav']));
    expect(files[1]!.filter((file) => file.startsWith('/prompts/de/'))).toEqual([]);
  });

  it('activeForUsers switched off refuses every subscriber trigger at order time, and a scheduled callback when it comes due', async () => {
    const { r } = await start();
    const account = await r.account(1_000);
    const source = '+12025550187' as E164;
    r.sim.setPhone(source, { kind: 'answer', hangupAfterMs: 1_000 });
    const due = r.clock.now() + 600_000;
    const scheduled = await r.engine.order({ accountId: account.id, trigger: 'api', source, destination: '+12025550288', dueAt: due });

    await r.store.accounts.update(account.id, { settings: { activeForUsers: false } });

    for (const trigger of ['api', 'web', 'sms', 'schedule', 'access', 'redial'] as const) {
      await expect(r.engine.order({ accountId: account.id, trigger, source, destination: '+12025550288' })).rejects.toThrow(OrderRefused);
    }
    await expect(r.engine.order({ accountId: account.id, trigger: 'api', source, destination: '+12025550288' })).rejects.toThrow(
      'callback is switched off for this account (the activeForUsers setting)',
    );
    // The SMS module's port to the engine turns the refusal into the reply's reason.
    const sms = engineOrdering((order) => r.engine.order(order), r.store.callbackRequests);
    expect(await sms.order({ accountId: account.id, trigger: 'sms', source, destination: '+12025550288' as E164, mode: 'source_first', idempotencyKey: 'sms-1', bySubscriber: true })).toEqual({
      ok: false,
      refusal: { code: 'callback_disabled', reason: 'callback is switched off for this account (the activeForUsers setting)' },
    });
    // The operator's own orders still go through.
    const operator = await r.engine.order({ accountId: account.id, trigger: 'cli', source, destination: '+12025550288', dueAt: due + 3_600_000 });
    expect(operator.created).toBe(true);

    const row = await ended(r, scheduled.request);
    expect(row).toMatchObject({ state: 'failed', lastCause: 'callback_disabled' });
    expect(await r.store.legs.listForRequest(scheduled.request.id)).toEqual([]);
    await r.engine.cancel(operator.request.id);
  });
});
