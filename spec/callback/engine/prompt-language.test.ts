import type { E164 } from '../../../lib/domain/phone-number';
import { PromptFiles } from '../../../lib/ivr';
import { createStore, type Store } from '../../../lib/store';
import { freshDid } from '../../access/support';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, PROMPTS_DIR, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';
import { startTalking } from '../../support/talk-rig';

/** #18 item 1: the engine's and the features' prompts follow the request's resolved language. */
describeEachDatabase('prompt language', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function playedOnA(r: EngineRig, requestId: string): Promise<string[]> {
    await r.finish(requestId);
    const [a] = await r.store.legs.listForRequest(requestId);
    return r.sim.channel(a!.uuid)?.playbacks.map((p) => p.file) ?? [];
  }

  async function frenchDid(store: Store = createStore(getDb())): Promise<E164> {
    const did = freshDid();
    await store.accessNumbers.create({ did, authMode: 'ani', settings: { language: 'fr', busyIvr: 'callback/busy', failedIvr: 'callback/failed' } });
    return did;
  }

  it("plays the Busy IVR in the access number's language over the account's", async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000, { language: 'en' });
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'busy', afterMs: 2_000 });
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, accessNumber: await frenchDid(r.store) });
    expect(await playedOnA(r, request.id)).toEqual([`${PROMPTS_DIR}/fr/callback/busy.wav`]);
  });

  it("plays the Failed IVR in the access number's language", async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'unallocated' });
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, accessNumber: await frenchDid(r.store) });
    expect(await playedOnA(r, request.id)).toEqual([`${PROMPTS_DIR}/fr/callback/failed.wav`]);
  });

  it("plays a prompt the language's folder lacks from the default language's, as the prompt list says", async () => {
    // French has the Busy IVR but not the Failed one.
    const listed = new Set(['en/callback/busy.wav', 'en/callback/failed.wav', 'fr/callback/busy.wav']);
    const r = (rig = await startEngineRig(getDb(), dbEngine, { engine: { promptFiles: new PromptFiles(PROMPTS_DIR, listed) } }));
    const account = await r.account(1_000);
    const did = await frenchDid(r.store);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, { kind: 'unallocated' });
    const failed = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, accessNumber: did });
    expect(await playedOnA(r, failed.request.id)).toEqual([`${PROMPTS_DIR}/en/callback/failed.wav`]);

    r.sim.setPhone(DESTINATION, { kind: 'busy', afterMs: 2_000 });
    const busy = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION, accessNumber: did });
    expect(await playedOnA(r, busy.request.id)).toEqual([`${PROMPTS_DIR}/fr/callback/busy.wav`]);
  });

  it("plays an in-call feature's prompt (D3 redial) in the access number's language", async () => {
    const did = await frenchDid();
    const { r, requestId, a } = await startTalking(getDb(), dbEngine, (started) => void (rig = started), { account: { language: 'de' }, order: { accessNumber: did } });
    r.sim.sendDtmf(a.uuid, '#3');
    await r.finish(requestId);
    expect(r.sim.channel(a.uuid)?.playbacks.map((p) => p.file)).toContain(`${PROMPTS_DIR}/fr/callback/redial_scheduled.wav`);
  });

  it("plays an in-call feature's prompt in the account's language when no access number names one", async () => {
    const { r, requestId, a } = await startTalking(getDb(), dbEngine, (started) => void (rig = started), { account: { language: 'fr' } });
    r.sim.sendDtmf(a.uuid, '#3');
    await r.finish(requestId);
    expect(r.sim.channel(a.uuid)?.playbacks.map((p) => p.file)).toContain(`${PROMPTS_DIR}/fr/callback/redial_scheduled.wav`);
  });
});
