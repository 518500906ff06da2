import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import request from 'supertest';
import type { E164 } from '../../lib/domain/phone-number';
import { createStore, type Account, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { accountWithBalance, uniqueNumber } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';
import { GENERIC_SECRET, KANNEL_SECRET, smsHarness, type SmsHarness } from './support';

const ZONE = 'Europe/Berlin';
const START = DateTime.fromObject({ year: 2026, month: 11, day: 26, hour: 10, minute: 30 }, { zone: ZONE }).toMillis();
const SERVICE_NUMBER = '+4930555000';

type Post = (app: SmsHarness['app'], sms: { from: string; to: string; text: string; id: string }) => request.Test;

/** The four ways a gateway can deliver the same SMS. */
const FORMATS: [string, Post][] = [
  ['generic JSON', (app, sms) => request(app).post('/sms/inbound/generic').set('X-Callback-Secret', GENERIC_SECRET).send(sms)],
  ['generic form', (app, sms) => request(app).post('/sms/inbound/generic').query({ secret: GENERIC_SECRET }).type('form').send(sms)],
  ['Kannel get-url', (app, sms) => request(app).get('/sms/inbound/kannel').query({ ...sms, secret: KANNEL_SECRET })],
  [
    'Kannel post-url',
    (app, { text, from, to, id }) =>
      request(app).post('/sms/inbound/kannel').query({ id, secret: KANNEL_SECRET }).set('X-Kannel-From', from).set('X-Kannel-To', to).type('text/plain').send(text),
  ],
];

describeEachDatabase('every command through every gateway format', (getDb) => {
  describe.each(FORMATS)('%s', (_format, post) => {
    let clock: ManualClock;
    let store: Store;
    let harness: SmsHarness;
    let account: Account;
    let sender: E164;

    beforeAll(async () => {
      clock = new ManualClock(START);
      store = createStore(getDb(), () => clock.now());
      harness = smsHarness({ store, clock });
      account = await accountWithBalance(store, 250, { timeZone: ZONE, country: 'DE', currency: 'EUR' });
      sender = uniqueNumber();
      await store.callerIds.add({ accountId: account.id, number: sender, allowAuthorization: true });
    });
    afterAll(() => harness.outbound.stop());

    /** Posts `text` from the sender and returns the reply it got. */
    async function send(text: string, from: string = sender): Promise<string | undefined> {
      // Requests list newest first by creation time: one second apart keeps that order exact.
      await clock.advance(1_000);
      const before = harness.sender.sent.length;
      await post(harness.app, { from, to: SERVICE_NUMBER, text, id: randomUUID() }).expect(200);
      // Replies to the sender; a caller-ID code goes to the number being registered instead.
      const replies = harness.sender.sent.slice(before).filter((sms) => sms.to === from);
      expect(replies.length).toBeLessThanOrEqual(1);
      expect(replies[0]?.from ?? SERVICE_NUMBER).toBe(SERVICE_NUMBER);
      return replies[0]?.text;
    }

    const latestRequest = async () => (await store.callbackRequests.list({ accountId: account.id, limit: 1 }))[0];

    it('*1*number', async () => {
      const b = uniqueNumber();
      expect(await send(`*1*${b}`)).toBe(`Callback queued: we call ${sender} now, then ${b}.`);
      expect(await latestRequest()).toMatchObject({ source: sender, destination: b, mode: 'source_first', state: 'queued', trigger: 'sms', dueAt: clock.now() });
    });

    it('*1*HH:MM*number1*number2', async () => {
      const [a, b] = [uniqueNumber(), uniqueNumber()];
      expect(await send(`*1*16:45*${a}*${b}`)).toBe(`Callback queued for 16:45: we call ${a}, then ${b}.`);
      expect(await latestRequest()).toMatchObject({ source: a, destination: b, dueAt: DateTime.fromISO('2026-11-26T16:45', { zone: ZONE }).toMillis() });
    });

    it('*1*DD.MM.YYYY*HH:MM*number', async () => {
      const b = uniqueNumber();
      expect(await send(`*1*01.12.2026*08:00*${b}`)).toBe(`Callback queued for 01.12.2026 08:00: we call ${sender}, then ${b}.`);
      expect(await latestRequest()).toMatchObject({ source: sender, destination: b, dueAt: DateTime.fromISO('2026-12-01T08:00', { zone: ZONE }).toMillis() });
    });

    it('*3*number1*number2 (conference)', async () => {
      const [a, b] = [uniqueNumber(), uniqueNumber()];
      expect(await send(`*3*${a}*${b}`)).toBe(`Conference queued: we call ${a} and ${b} now and connect them.`);
      expect(await latestRequest()).toMatchObject({ source: a, destination: b, mode: 'simultaneous', state: 'queued' });
    });

    it('#redial', async () => {
      const previous = await latestRequest();
      expect(await send('#redial')).toBe(`Redial queued: we call ${previous?.source} and ${previous?.destination} now and connect them.`);
      const redial = await latestRequest();
      expect(redial?.id).not.toBe(previous?.id);
      expect(redial).toMatchObject({ source: previous?.source, destination: previous?.destination, mode: previous?.mode, state: 'queued', dueAt: clock.now() });
    });

    it('#register, #reglist, #unregister', async () => {
      const extra = uniqueNumber();
      expect(await send(`#register ${extra}`)).toBe(`We sent a code to ${extra}. Reply #verify ${extra} and the code to let it send commands for your account.`);
      expect(await store.callerIds.findByNumber(extra)).toBeNull();
      // Typed back here directly (#verify over SMS is tested in webhooks.test.ts): one SMS more would pass the sender's limit.
      expect(await harness.verification.verify(account.id, extra, harness.sender.codeSentTo(extra))).toMatchObject({ ok: true });
      expect(await store.callerIds.findByNumber(extra)).toMatchObject({ accountId: account.id, allowAuthorization: true });
      expect(await send('#reglist')).toBe(`Registered numbers: ${sender}, ${extra}.`);
      expect(await send(`#unregister ${extra}`)).toBe(`${extra} is no longer registered.`);
      expect(await store.callerIds.findByNumber(extra)).toBeNull();
    });

    it('#balance', async () => {
      expect(await send('#balance')).toBe('Balance: 2.50 EUR.');
    });

    it('a malformed command', async () => {
      const before = await store.callbackRequests.list({ accountId: account.id });
      expect(await send('*1*25:00*030123456')).toBe('Time 25:00 is not a time: hours go from 00 to 23.');
      expect(await store.callbackRequests.list({ accountId: account.id })).toEqual(before);
    });

    it('an unauthorized sender', async () => {
      const stranger = uniqueNumber();
      expect(await send(`*1*${uniqueNumber()}`, stranger)).toMatch(/^This number may not send commands/);
      expect((await store.auditLog.list({ kind: 'refused', limit: 1 }))[0]).toMatchObject({ reason: 'unknown_sender', caller: stranger });
    });

    it('a duplicate delivery', async () => {
      const sms = { from: sender, to: SERVICE_NUMBER, text: `*1*${uniqueNumber()}`, id: randomUUID() };
      await post(harness.app, sms).expect(200);
      const [requests, replies] = [(await store.callbackRequests.list({ accountId: account.id })).length, harness.sender.sent.length];
      await post(harness.app, sms).expect(200);
      expect((await store.callbackRequests.list({ accountId: account.id })).length).toBe(requests);
      expect(harness.sender.sent.length).toBe(replies);
    });
  });
});
