import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { minorUnits } from '../../lib/domain/money';
import type { E164 } from '../../lib/domain/phone-number';
import { describeEachDatabase } from '../support/databases';
import { logIn, portalFixture, type PortalFixture, type Subscriber } from './support/portal-fixture';

/** What a subscriber reads on a page: its text without tags, scripts or attributes. */
function visibleText(html: string): string {
  return html
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ');
}

/** Engine states (dialing_a, no_answer) and FreeSWITCH causes (NORMAL_CLEARING) a subscriber must never read. */
const RAW_NAMES = /\b[a-z]+_[a-z_]+\b|\b[A-Z]{2,}_[A-Z_]+\b/g;

describeEachDatabase('portal pages: words, zones, costs, media, payments and rates', (getDb) => {
  let f: PortalFixture;
  let mediaRoot: string;
  beforeAll(async () => {
    f = await portalFixture(getDb());
    mediaRoot = mkdtempSync(join(tmpdir(), 'portal-media-'));
  });
  afterAll(async () => {
    await f.close();
    rmSync(mediaRoot, { recursive: true, force: true });
  });

  /** A New York subscriber with one finished callback: leg A answered and billed, leg B cancelled while ringing. */
  async function newYorker(): Promise<Subscriber & { requestId: string }> {
    const me = await f.subscriber();
    const account = (await f.store.accounts.update(me.account.id, { timeZone: 'America/New_York' }))!;
    const startedAt = Date.parse('2026-07-04T16:00:00Z');
    const { request: r } = await f.engine.order({ accountId: account.id, trigger: 'web', source: me.number, destination: '+12025550202' as E164, mode: 'source_first' });
    await f.store.callbackRequests.transition(r.id, r.state, 'cancelled', { lastCause: 'CANCELLED', release: true });
    const a = await f.store.legs.create({ uuid: randomUUID(), requestId: r.id, role: 'A', attempt: 1, number: me.number, state: 'dialing' });
    await f.store.legs.update(a.uuid, { state: 'completed', answeredAt: startedAt + 3_000, endedAt: startedAt + 68_000, hangupCause: 'NORMAL_CLEARING', billsec: 65, costMinor: minorUnits(123) });
    const b = await f.store.legs.create({ uuid: randomUUID(), requestId: r.id, role: 'B', attempt: 1, number: '+12025550202', state: 'dialing' });
    await f.store.legs.update(b.uuid, { state: 'cancelled', endedAt: startedAt + 68_000, hangupCause: 'ORIGINATOR_CANCEL', billsec: 0, costMinor: minorUnits(0) });
    await f.store.cdrs.insert({ legUuid: a.uuid, requestId: r.id, accountId: account.id, direction: 'outbound', number: me.number, startedAt, answeredAt: startedAt + 3_000, endedAt: startedAt + 68_000, billsec: 65, hangupCause: 'NORMAL_CLEARING', costMinor: minorUnits(123), source: 'socket' });
    await f.store.cdrs.insert({ legUuid: b.uuid, requestId: r.id, accountId: account.id, direction: 'outbound', number: '+12025550202', startedAt, endedAt: startedAt + 68_000, hangupCause: 'ORIGINATOR_CANCEL', source: 'socket' });
    return { ...me, account, requestId: r.id };
  }

  it('serves one stylesheet that every page links; pages carry no inline style or script', async () => {
    const app = f.app();
    const css = await request(app).get('/portal/app.css').expect(200).expect('Content-Type', /text\/css/);
    expect(css.text).toContain('.card');
    const me = await f.subscriber();
    const { agent } = await logIn(app, me.email);
    for (const path of ['/', '/recordings', '/faxes', '/payments', '/rates']) {
      const page = await agent.get(path).expect(200);
      expect(page.text).toContain('<link rel="stylesheet" href="/portal/app.css">');
      expect(page.text).toContain('<nav class="site-nav" aria-label="Portal">');
      expect(page.text).not.toMatch(/ style=|<style|<script>/);
      expect(visibleText(page.text).match(RAW_NAMES)).toBeNull();
    }
  });

  it("shows a finished callback in words, in the account's time zone, with each leg's length and cost; a cancelled leg reads Cancelled", async () => {
    const app = f.app();
    const me = await newYorker();
    const { agent } = await logIn(app, me.email);
    const page = await agent.get(`/callbacks/${me.requestId}`).expect(200);
    const text = visibleText(page.text);
    expect(text.match(RAW_NAMES)).toBeNull();
    // Ordered "now" on the test clock: shown in New York time, not in Berlin's.
    expect(text).toMatch(/Ordered \w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M E[SD]T/);
    expect(text).not.toMatch(/GMT\+1|CES?T/);
    const legA = /<tr data-leg="[^"]+">(.*?)<\/tr>/.exec(page.text)![1]!;
    expect(visibleText(legA)).toMatch(/A 1 \+1\d+ Call ended Call ended 1:05 \$1\.23/);
    const rows = [...page.text.matchAll(/<tr data-leg="[^"]+">(.*?)<\/tr>/g)].map((m) => visibleText(m[1]!).trim());
    expect(rows[1]).toMatch(/^B 1 \+12025550202 Cancelled Cancelled 0:00 \$0\.00$/);
    expect(text).not.toMatch(/complete/i);
    expect(page.text).toContain('data-field="total">$1.23<');

    const home = await agent.get('/').expect(200);
    const homeText = visibleText(home.text);
    expect(homeText.match(RAW_NAMES)).toBeNull();
    // The leg started at 16:00 UTC on 4 July: noon in New York (EDT), not 18:00 as in Berlin.
    expect(homeText).toMatch(/Jul 4, 2026, 12:00 PM EDT \+1\d+ 1:05 \$1\.23 Call ended/);
    expect(homeText).toContain('Cancelled');
  });

  it("lists recordings and faxes to play and download through the media routes, for the session's account only", async () => {
    const app = f.app({ mediaRoot });
    const me = await f.subscriber();
    const other = await f.subscriber();
    writeFileSync(join(mediaRoot, 'mine.wav'), 'RIFF-mine');
    writeFileSync(join(mediaRoot, 'theirs.wav'), 'RIFF-theirs');
    writeFileSync(join(mediaRoot, 'fax.tif'), 'II*-fax');
    writeFileSync(join(mediaRoot, 'fax.pdf'), '%PDF-fax');
    const mine = await f.store.recordings.create({ accountId: me.account.id, path: 'mine.wav', bytes: 9, durationMs: 42_000 });
    const theirs = await f.store.recordings.create({ accountId: other.account.id, path: 'theirs.wav', bytes: 11, durationMs: 1_000 });
    const fax = await f.store.faxes.create({ accountId: me.account.id, path: 'fax.tif', bytes: 7, pages: 3, pdfPath: 'fax.pdf' });
    const { agent } = await logIn(app, me.email);

    const recordings = await agent.get('/recordings').expect(200);
    expect(recordings.text).toContain(`<audio controls preload="none" src="/portal/api/v1/recordings/${mine.id}/file"></audio>`);
    expect(visibleText(recordings.text)).toContain('0:42');
    expect(recordings.text).not.toContain(`/recordings/${theirs.id}/file`);
    expect((await agent.get(`/portal/api/v1/recordings/${mine.id}/file`).expect(200)).body.toString()).toBe('RIFF-mine');
    await agent.get(`/portal/api/v1/recordings/${theirs.id}/file`).expect(404);
    await request(app).get(`/portal/api/v1/recordings/${mine.id}/file`).expect(401);

    const faxes = await agent.get('/faxes').expect(200);
    expect(faxes.text).toContain(`href="/portal/api/v1/faxes/${fax.id}/file?format=pdf"`);
    expect(visibleText(faxes.text)).toMatch(/ 3 Received /);
    expect((await agent.get(`/portal/api/v1/faxes/${fax.id}/file?format=pdf`).expect(200)).body.toString()).toBe('%PDF-fax');
  });

  it('lists payments in the account currency, and the rates of its own tariffs, searchable by number or name', async () => {
    const app = f.app();
    const me = await f.subscriber();
    const retail = await f.store.tariffs.createTariff({ name: `retail-${randomUUID().slice(0, 6)}`, currency: 'USD', kind: 'retail' });
    const callback = await f.store.tariffs.createTariff({ name: `callback-${randomUUID().slice(0, 6)}`, currency: 'USD', kind: 'callback' });
    await f.store.tariffs.importRates(retail.id, [
      { prefix: '49', description: 'Germany', ratePerMinute: 125_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 },
      { prefix: '4930', description: 'Berlin', ratePerMinute: 90_000 },
      { prefix: '44', description: 'United Kingdom', ratePerMinute: 200_000, connectionFeeMinor: minorUnits(5) },
    ]);
    await f.store.tariffs.importRates(callback.id, [{ prefix: '1', description: 'USA', ratePerMinute: 10_000 }]);
    await f.store.accounts.update(me.account.id, { tariffId: retail.id, callbackTariffId: callback.id });
    await f.store.payments.record({ accountId: me.account.id, amountMinor: minorUnits(2500), currency: 'USD', method: 'bank_transfer', reference: 'INV-7' });
    const { agent } = await logIn(app, me.email);

    const payments = visibleText((await agent.get('/payments').expect(200)).text);
    expect(payments).toMatch(/\$25\.00 Top-up Bank transfer INV-7/);
    expect(payments).toContain('$10.00');

    const all = visibleText((await agent.get('/rates').expect(200)).text);
    expect(all).toMatch(/Germany \+49 \$0\.1250 \$0\.00 30 s, then 6 s/);
    expect(all).toMatch(/United Kingdom \+44 \$0\.2000 \$0\.05/);
    expect(all).toMatch(/Calling you back.*USA \+1 \$0\.0100/);
    const berlin = visibleText((await agent.get('/rates').query({ q: '+49 30 1234567' }).expect(200)).text);
    expect(berlin).toMatch(/Berlin \+4930 .*Germany \+49 /);
    expect(berlin).not.toContain('United Kingdom');
    const named = visibleText((await agent.get('/rates').query({ q: 'king' }).expect(200)).text);
    expect(named).toContain('United Kingdom');
    expect(named).not.toContain('Germany');
  });

  it("reads a national number in the account's country, and in its own numbers' country when it has none, not as US", async () => {
    const app = f.app();
    const german = await f.subscriber();
    await f.store.accounts.update(german.account.id, { country: 'DE' });
    const { agent, csrf } = await logIn(app, german.email);
    await agent.post('/phone-book').type('form').send({ _csrf: csrf, name: 'Office', number: '030 1234567' }).expect(200);
    expect((await f.store.phoneBook.list(german.account.id)).map((e) => e.number)).toEqual(['+49301234567']);

    // No country of its own: its authorized number is German, so national numbers are German too.
    const countryless = await f.subscriber();
    await f.store.accounts.update(countryless.account.id, { country: null });
    await f.store.callerIds.remove(countryless.account.id, countryless.number);
    await f.store.callerIds.add({ accountId: countryless.account.id, number: '+493098765432' as E164, allowAuthorization: true });
    const second = await logIn(app, countryless.email);
    await second.agent.post('/caller-ids').type('form').send({ _csrf: second.csrf, number: '0171 2345678' }).expect(200);
    // Registered numbers wait for their code (caller-ID verification) before they count.
    expect((await f.store.callerIdClaims.listForAccount(countryless.account.id)).map((c) => c.number)).toContain('+491712345678');
    const ordered = await second.agent.post('/callbacks').type('form').send({ _csrf: second.csrf, source: '030 98765432', destination: '089 1234567', mode: 'source_first', when: 'now' }).expect(303);
    const id = /\/callbacks\/(.+)$/.exec(String(ordered.headers.location))![1]!;
    expect(await f.store.callbackRequests.findById(id)).toMatchObject({ source: '+493098765432', destination: '+49891234567' });
  });
});
