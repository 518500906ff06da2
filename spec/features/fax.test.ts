import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { rateLeg } from '../../lib/billing';
import type { TalkFeaturesOptions } from '../../lib/features';
import { apiRouter, API_PREFIX } from '../../lib/http/api/router';
import { createHttpApp } from '../../lib/http/app';
import { tiffPageCount } from '../../lib/simulator/tiff';
import type { PhoneBehaviour } from '../../lib/simulator/types';
import { describeEachDatabase } from '../support/databases';
import { DESTINATION, PROMPTS_DIR, SOURCE, type EngineRig } from '../support/engine-harness';
import { startTalking, statesOf, type Talking } from '../support/talk-rig';

const FAX_MS = 30_000;
const FAX_PROMPT = `${PROMPTS_DIR}/en/callback/fax_receiving.wav`;

describeEachDatabase('D5 *1: fax reception', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  let mediaRoot: string;

  beforeEach(() => {
    mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-fax-'));
  });

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
    fs.rmSync(mediaRoot, { recursive: true, force: true });
  });

  async function talking(farEnd: PhoneBehaviour, options: TalkFeaturesOptions = {}): Promise<Talking> {
    return startTalking(getDb(), dbEngine, (r) => void (rig = r), { destination: farEnd, features: { faxDir: path.join(mediaRoot, 'faxes'), faxToPdf: null, ...options } });
  }

  async function expectBilledExactly(r: EngineRig, requestId: string, accountId: number): Promise<void> {
    const legs = await r.store.legs.listForRequest(requestId);
    const cdrs = await r.store.cdrs.listForRequest(requestId);
    // Every leg settled exactly once, from what FreeSWITCH reported.
    expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
    const account = await r.store.accounts.findById(accountId);
    const retail = await r.store.tariffs.findRateByLongestPrefix(account!.tariffId!, DESTINATION);
    const callback = await r.store.tariffs.findRateByLongestPrefix(account!.callbackTariffId!, SOURCE);
    const [a, b] = legs;
    expect(a!.costMinor).toBe(rateLeg(callback!, a!.billsec!).costMinor);
    expect(b!.costMinor).toBe(rateLeg(retail!, b!.billsec!).costMinor);
    expect(await r.store.accounts.balance(accountId)).toMatchObject({ balanceMinor: 100_000 - a!.costMinor! - b!.costMinor!, reservedMinor: 0 });
  }

  it('a received fax: B goes to rxfax and is billed to its end, A is told and released, the TIFF is stored for the account and request and downloadable', async () => {
    const { r, requestId, a, b, accountId } = await talking({ kind: 'answer', hangupAfterMs: 600_000, fax: { pages: 3, durationMs: FAX_MS } });
    r.sim.sendDtmf(a.uuid, '*1');
    await r.runUntil(() => r.sim.channel(a.uuid)?.hangupCause !== undefined, 'A released');
    const pressedAt = r.clock.now();
    const done = await r.finish(requestId);

    expect(done.state).toBe('completed');
    expect(statesOf(r, requestId)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'receiving_fax', 'completed']);
    // A heard why it is let go, and went first; B ran the fax receiver until the sender was done.
    const aView = r.sim.channel(a.uuid)!;
    const bView = r.sim.channel(b.uuid)!;
    expect(aView.playbacks.map((p) => p.file)).toEqual([FAX_PROMPT]);
    expect(aView.hangupCause).toBe('NORMAL_CLEARING');
    expect(bView.hangupAt! - aView.hangupAt!).toBeGreaterThanOrEqual(FAX_MS - 5_000);
    expect(bView.variables.fax_success).toBe('1');
    expect(bView.hangupAt).toBeGreaterThan(pressedAt);

    const [fax] = await r.store.faxes.listForRequest(requestId);
    const tiff = path.join(mediaRoot, 'faxes', `${requestId}-${b.uuid}.tif`);
    const data = fs.readFileSync(tiff);
    expect(fax).toMatchObject({ accountId, requestId, legUuid: b.uuid, path: tiff, pages: 3, bytes: data.length, status: 'received', resultCode: 0, pdfPath: null });
    expect(tiffPageCount(data)).toBe(3);

    const legs = await r.store.legs.listForRequest(requestId);
    expect(legs.map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
    ]);
    // B was billed for the talk and the whole fax, A only until it was released.
    expect(legs[1]!.billsec).toBeGreaterThan(legs[0]!.billsec! + 20);
    await expectBilledExactly(r, requestId, accountId);

    const { plainKey } = await r.store.apiKeys.create({ accountId, label: 'fax' });
    const app = createHttpApp({ logger: r.logger, readiness: [], routers: [{ path: API_PREFIX, router: apiRouter({ engine: r.engine, db: getDb(), logger: r.logger, clock: r.clock, mediaRoot }) }] });
    const auth = { Authorization: `Bearer ${plainKey}` };
    const list = await request(app).get(`${API_PREFIX}/faxes`).set(auth).expect(200);
    expect(list.body.items).toEqual([expect.objectContaining({ id: fax!.id, requestId, pages: 3, status: 'received', pdf: false })]);
    const file = await request(app).get(`${API_PREFIX}/faxes/${fax!.id}/file`).set(auth).buffer(true).expect(200);
    expect(Buffer.compare(Buffer.from(file.body as Buffer), data)).toBe(0);
    // No converter was set: there is no PDF to serve.
    await request(app).get(`${API_PREFIX}/faxes/${fax!.id}/file?format=pdf`).set(auth).expect(404);
  });

  it('with a converter installed the fax is also stored as PDF, and ?format=pdf serves it', async () => {
    // A stand-in for tiff2pdf with its command line (`-o out.pdf in.tif`).
    const converter = path.join(mediaRoot, 'tiff2pdf');
    fs.writeFileSync(converter, '#!/bin/sh\n[ "$1" = "-o" ] && [ -s "$3" ] && printf "%%PDF-1.4 from %s\\n" "$(basename "$3")" > "$2"\n', { mode: 0o755 });
    const { r, requestId, a, b, accountId } = await talking({ kind: 'answer', hangupAfterMs: 600_000, fax: { pages: 1, durationMs: FAX_MS } }, { faxToPdf: converter });
    r.sim.sendDtmf(a.uuid, '*1');
    await r.finish(requestId);
    const [fax] = await r.store.faxes.listForRequest(requestId);
    const pdf = path.join(mediaRoot, 'faxes', `${requestId}-${b.uuid}.pdf`);
    expect(fax).toMatchObject({ status: 'received', pages: 1, pdfPath: pdf });
    const { plainKey } = await r.store.apiKeys.create({ accountId, label: 'fax' });
    const app = createHttpApp({ logger: r.logger, readiness: [], routers: [{ path: API_PREFIX, router: apiRouter({ engine: r.engine, db: getDb(), logger: r.logger, clock: r.clock, mediaRoot }) }] });
    const file = await request(app).get(`${API_PREFIX}/faxes/${fax!.id}/file?format=pdf`).set({ Authorization: `Bearer ${plainKey}` }).buffer(true).expect(200);
    expect(Buffer.from(file.body as Buffer).toString()).toBe(`%PDF-1.4 from ${requestId}-${b.uuid}.tif\n`);
    expect(file.headers['content-disposition']).toContain('.pdf');
  });

  it('a failed fax (no fax tone: a voice phone at B) leaves a failed row with the T.30 result, no file, and B billed until the receiver gave up', async () => {
    const { r, requestId, a, b, accountId } = await talking({ kind: 'answer', hangupAfterMs: 600_000 });
    r.sim.sendDtmf(a.uuid, '*1');
    const done = await r.finish(requestId);
    expect(done.state).toBe('completed');
    const [fax] = await r.store.faxes.listForRequest(requestId);
    expect(fax).toMatchObject({ accountId, requestId, legUuid: b.uuid, status: 'failed', pages: 0, bytes: 0, resultCode: 2, resultText: 'Timed out waiting for initial communication', pdfPath: null });
    expect(fs.existsSync(fax!.path)).toBe(false);
    const legs = await r.store.legs.listForRequest(requestId);
    expect(legs[1]!.billsec).toBeGreaterThanOrEqual(60);
    await expectBilledExactly(r, requestId, accountId);
  });

  it('*1 after B already hung up receives nothing: no fax row, the talk ends as usual and each leg is settled once', async () => {
    const { r, requestId, a, b, accountId } = await talking({ kind: 'answer', hangupAfterMs: 600_000 });
    r.sim.hangup(b.uuid, 'NORMAL_CLEARING');
    r.sim.sendDtmf(a.uuid, '*1');
    const done = await r.finish(requestId);
    expect(done.state).toBe('completed');
    expect(statesOf(r, requestId)).toEqual(['queued', 'dialing_a', 'dialing_b', 'bridged', 'completed']);
    expect(await r.store.faxes.listForRequest(requestId)).toEqual([]);
    expect(r.sim.channel(b.uuid)?.variables.fax_result_code).toBeUndefined();
    await expectBilledExactly(r, requestId, accountId);
  });
});
