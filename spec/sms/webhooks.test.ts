import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import request from 'supertest';
import { minorUnits } from '../../lib/domain/money';
import type { E164 } from '../../lib/domain/phone-number';
import { DEFAULT_UNAUTHORIZED_REPLY } from '../../lib/sms';
import { engineOrdering } from '../../lib/sms/engine-ordering';
import { OrderRefused } from '../../lib/callback/engine/order';
import { createStore, type Account, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { accountWithBalance, uniqueNumber } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';
import { GENERIC_SECRET, KANNEL_SECRET, smsHarness, type SmsHarness } from './support';

const ZONE = 'Europe/Berlin';
/** 10:30 in Berlin. */
const START = DateTime.fromObject({ year: 2026, month: 11, day: 26, hour: 10, minute: 30 }, { zone: ZONE }).toMillis();
const SERVICE_NUMBER = '+4930555000';

describeEachDatabase('SMS webhooks end to end (HTTP → store → command → reply)', (getDb) => {
  let clock: ManualClock;
  let store: Store;
  let harness: SmsHarness;
  let account: Account;
  let sender: E164;

  beforeEach(async () => {
    clock = new ManualClock(START);
    store = createStore(getDb(), () => clock.now());
    harness = smsHarness({ store, clock });
    account = await accountWithBalance(store, 1234, { timeZone: ZONE, country: 'DE', currency: 'EUR' });
    sender = uniqueNumber();
    await store.callerIds.add({ accountId: account.id, number: sender, allowAuthorization: true });
  });
  afterEach(() => harness.outbound.stop());

  function postGeneric(fields: Record<string, unknown>) {
    return request(harness.app).post('/sms/inbound/generic').set('X-Callback-Secret', GENERIC_SECRET).send(fields);
  }

  function getKannel(query: Record<string, string>) {
    return request(harness.app).get('/sms/inbound/kannel').query({ secret: KANNEL_SECRET, ...query });
  }

  function sms(text: string, from: string = sender) {
    return { from, to: SERVICE_NUMBER, text, id: randomUUID() };
  }

  async function requestsOfAccount() {
    return store.callbackRequests.list({ accountId: account.id });
  }

  async function inbound(id: number) {
    return store.smsMessages.findById(id);
  }

  describe('generic JSON / form webhook', () => {
    it('*1*number: queues a callback from the sender to the number now, and says so', async () => {
      const destination = uniqueNumber();
      const response = await postGeneric(sms(`*1*${destination}`)).expect(200);
      expect(response.body).toEqual({ id: expect.any(Number), duplicate: false, status: 'processed' });

      const [queued, ...others] = await requestsOfAccount();
      expect(others).toEqual([]);
      expect(queued).toMatchObject({ trigger: 'sms', source: sender, destination, mode: 'source_first', state: 'queued', dueAt: START });
      expect(queued?.idempotencyKey).toBe(`sms:${response.body.id}`);

      const reply = `Callback queued: we call ${sender} now, then ${destination}.`;
      expect(harness.sender.sent).toEqual([{ from: SERVICE_NUMBER, to: sender, text: reply }]);
      expect(await inbound(response.body.id)).toMatchObject({ direction: 'in', status: 'processed', accountId: account.id, gateway: 'generic' });
      const [out] = await store.smsMessages.listForAccount(account.id);
      expect(out).toMatchObject({ direction: 'out', status: 'sent', attempts: 1, to: sender, text: reply, gateway: harness.sender.name });
    });

    it('*1*HH:MM*number1*number2 as a form: queues number1 → number2 at that time today, in the account zone', async () => {
      const [first, second] = [uniqueNumber(), uniqueNumber()];
      await request(harness.app)
        .post('/sms/inbound/generic')
        .query({ secret: GENERIC_SECRET })
        .type('form')
        .send(sms(`*1*12:00*${first}*${second}`))
        .expect(200, /"processed"/);
      const [queued] = await requestsOfAccount();
      expect(queued).toMatchObject({ source: first, destination: second, state: 'queued', dueAt: START + 90 * 60_000 });
      expect(harness.sender.textsTo(sender)).toEqual([`Callback queued for 12:00: we call ${first}, then ${second}.`]);
    });

    it('*1*DD.MM.YYYY*HH:MM*number: queues for that date, and the reply names it', async () => {
      const destination = uniqueNumber();
      await postGeneric(sms(`*1*30.04.2027*15:00*${destination}`)).expect(200);
      const [queued] = await requestsOfAccount();
      expect(queued?.dueAt).toBe(DateTime.fromISO('2027-04-30T15:00', { zone: ZONE }).toMillis());
      expect(harness.sender.textsTo(sender)).toEqual([`Callback queued for 30.04.2027 15:00: we call ${sender}, then ${destination}.`]);
    });

    it('*3*number1*number2: queues both numbers at once (simultaneous) for a conference', async () => {
      const [a, b] = [uniqueNumber(), uniqueNumber()];
      await postGeneric(sms(`*3*${a}*${b}`)).expect(200);
      const [queued] = await requestsOfAccount();
      expect(queued).toMatchObject({ source: a, destination: b, mode: 'simultaneous', state: 'queued', trigger: 'sms' });
      expect(harness.sender.textsTo(sender)).toEqual([`Conference queued: we call ${a} and ${b} now and connect them.`]);
    });

    it('#redial: repeats the last callback, or says there is none', async () => {
      await postGeneric(sms('#redial')).expect(200, /"rejected"/);
      expect(harness.sender.textsTo(sender)).toEqual(['Nothing to redial: this account has no earlier callback.']);
      expect(await requestsOfAccount()).toEqual([]);

      const destination = uniqueNumber();
      await postGeneric(sms(`*1*${destination}`)).expect(200);
      await clock.advance(60_000);
      await postGeneric(sms('#REDIAL')).expect(200, /"processed"/);
      const [redial, original] = await requestsOfAccount();
      expect(redial?.id).not.toBe(original?.id);
      expect(redial).toMatchObject({ source: sender, destination, state: 'queued', dueAt: START + 60_000 });
      expect(harness.sender.textsTo(sender).at(-1)).toBe(`Redial queued: we call ${sender} now, then ${destination}.`);
    });

    it('#balance: replies with the balance in the account currency', async () => {
      await postGeneric(sms('#balance')).expect(200, /"processed"/);
      expect(harness.sender.textsTo(sender)).toEqual(['Balance: 12.34 EUR.']);
      await store.accounts.update(account.id, { creditLimitMinor: minorUnits(500) });
      await postGeneric(sms('# Balance')).expect(200);
      expect(harness.sender.textsTo(sender).at(-1)).toBe('Balance: 12.34 EUR. Available: 17.34 EUR.');
    });

    it('refuses a time already past with the reason, and queues nothing', async () => {
      const response = await postGeneric(sms(`*1*09:00*${uniqueNumber()}`)).expect(200);
      expect(response.body.status).toBe('rejected');
      expect(await requestsOfAccount()).toEqual([]);
      expect(harness.sender.textsTo(sender)).toEqual(['09:00 is already past today in Europe/Berlin.']);
      expect(await inbound(response.body.id)).toMatchObject({ status: 'rejected', lastError: expect.stringMatching(/^time_past: /) });
    });

    it('answers what it cannot read with the precise reason', async () => {
      await postGeneric(sms('*1*31.02.2027*12:00*030123456')).expect(200, /"rejected"/);
      await postGeneric(sms('call me')).expect(200, /"rejected"/);
      expect(harness.sender.textsTo(sender)).toEqual([
        'Date 31.02.2027 does not exist.',
        "Unknown command 'call me': send one of *1*number, *3*number1*number2, #redial, #register number, #unregister number, #reglist, #balance.",
      ]);
      expect(await requestsOfAccount()).toEqual([]);
    });

    it('passes the engine\'s refusal on to the subscriber', async () => {
      const refusing = engineOrdering(async () => {
        throw new OrderRefused('callback_disabled');
      }, store.callbackRequests);
      harness.outbound.stop();
      harness = smsHarness({ store, clock, ordering: refusing });
      await postGeneric(sms(`*1*${uniqueNumber()}`)).expect(200, /"rejected"/);
      expect(harness.sender.textsTo(sender)).toEqual(['Callback refused: callback is switched off for this account (the activeForUsers setting).']);
    });

    it('works behind the service app\'s global JSON parser', async () => {
      harness.outbound.stop();
      harness = smsHarness({ store, clock, globalJson: true });
      await postGeneric(sms('#reglist')).expect(200, /"processed"/);
      expect(harness.sender.textsTo(sender)).toEqual([`Registered numbers: ${sender}.`]);
    });
  });

  describe('Kannel sms-service (get-url / post-url)', () => {
    it('#register, #reglist, #unregister: change and list the authorized numbers', async () => {
      const extra = uniqueNumber();
      await getKannel({ from: sender, to: SERVICE_NUMBER, text: `#register ${extra}`, id: randomUUID() }).expect(200);
      // #15 item 8: it authorizes nothing until the code sent to it comes back.
      expect(await store.callerIds.findByNumber(extra)).toBeNull();
      await getKannel({ from: sender, to: SERVICE_NUMBER, text: `#verify ${extra} ${harness.sender.codeSentTo(extra)}`, id: randomUUID() }).expect(200);
      expect(await store.callerIds.findByNumber(extra)).toMatchObject({ accountId: account.id, allowAuthorization: true, verifiedVia: 'code' });

      // post-url: text as the body, addresses in Kannel's headers.
      await request(harness.app)
        .post('/sms/inbound/kannel')
        .query({ id: randomUUID(), secret: KANNEL_SECRET })
        .set('X-Kannel-From', sender)
        .set('X-Kannel-To', SERVICE_NUMBER)
        .type('text/plain')
        .send('#reglist')
        .expect(200);

      // The newly registered number may now command the account itself.
      await getKannel({ from: extra, to: SERVICE_NUMBER, text: `#unregister ${sender}`, id: randomUUID() }).expect(200);
      expect(await store.callerIds.findByNumber(sender)).toBeNull();

      expect(harness.sender.textsTo(sender)).toEqual([
        `We sent a code to ${extra}. Reply #verify ${extra} and the code to let it send commands for your account.`,
        `${extra} is now registered: it may send commands for your account.`,
        `Registered numbers: ${sender}, ${extra}.`,
      ]);
      expect(harness.sender.textsTo(extra).slice(1)).toEqual([`${sender} is no longer registered.`]);

      // The removed number is now refused.
      await getKannel({ from: sender, to: SERVICE_NUMBER, text: '#reglist', id: randomUUID() }).expect(200);
      expect(harness.sender.textsTo(sender).at(-1)).toBe(DEFAULT_UNAUTHORIZED_REPLY);
    });

    it('#register answers a number of another account like a fresh one, sends it no code, and turns on one that was not authorized', async () => {
      const other = await accountWithBalance(store, 0);
      const foreign = uniqueNumber();
      const known = uniqueNumber();
      await store.callerIds.add({ accountId: other.id, number: foreign, allowAuthorization: true });
      await store.callerIds.add({ accountId: account.id, number: known, allowAuthorization: false });
      await getKannel({ from: sender, to: SERVICE_NUMBER, text: `#register ${foreign}`, id: randomUUID() }).expect(200);
      await getKannel({ from: sender, to: SERVICE_NUMBER, text: `#register ${known}`, id: randomUUID() }).expect(200);
      await getKannel({ from: sender, to: SERVICE_NUMBER, text: `#register ${known}`, id: randomUUID() }).expect(200);
      await getKannel({ from: sender, to: SERVICE_NUMBER, text: `#unregister ${foreign}`, id: randomUUID() }).expect(200);
      expect(harness.sender.textsTo(sender)).toEqual([
        `We sent a code to ${foreign}. Reply #verify ${foreign} and the code to let it send commands for your account.`,
        `${known} is now registered: it may send commands for your account.`,
        `${known} was already registered.`,
        // What is withdrawn is this account's own claim; the other account keeps its number.
        `${foreign} is no longer registered.`,
      ]);
      // The holder of the number is not pestered with a code it did not ask for.
      expect(harness.sender.textsTo(foreign)).toEqual([]);
      expect(await store.callerIds.findByNumber(foreign)).toMatchObject({ accountId: other.id, allowAuthorization: true });
      expect(await store.callerIds.findByNumber(known)).toMatchObject({ accountId: account.id, allowAuthorization: true });
    });

    it('*1*number via get-url queues the callback; the sender may write 00 and spaces', async () => {
      const destination = uniqueNumber();
      const typed = `00${destination.slice(1, 5)} ${destination.slice(5)}`;
      await getKannel({ from: sender, to: SERVICE_NUMBER, text: `*1* ${typed}`, id: randomUUID() }).expect(200);
      const [queued] = await requestsOfAccount();
      expect(queued).toMatchObject({ source: sender, destination, state: 'queued', trigger: 'sms' });
      expect(await store.smsMessages.listByStatus('in', 'processed', 1000)).toEqual(
        expect.arrayContaining([expect.objectContaining({ gateway: 'kannel', from: sender, text: `*1* ${typed}` })]),
      );
    });
  });

  describe('duplicate delivery', () => {
    it('a gateway retry of the same message id is stored once and acted on once', async () => {
      const message = sms(`*1*${uniqueNumber()}`);
      const first = await postGeneric(message).expect(200);
      const again = await postGeneric(message).expect(200);
      const thrice = await postGeneric({ ...message, text: '#balance' }).expect(200);
      expect(again.body).toEqual({ id: first.body.id, duplicate: true, status: 'processed' });
      expect(thrice.body).toEqual({ id: first.body.id, duplicate: true, status: 'processed' });
      expect(await requestsOfAccount()).toHaveLength(1);
      expect(harness.sender.sent).toHaveLength(1);
    });

    it('a message stored but never handled (its process stopped) is handled by the gateway\'s re-delivery, once', async () => {
      const message = sms(`*1*${uniqueNumber()}`);
      const { message: stored } = await store.smsMessages.recordInbound({ gateway: 'generic', gatewayMessageId: message.id, from: message.from, to: message.to, text: message.text });
      const again = await postGeneric(message).expect(200);
      expect(again.body).toEqual({ id: stored.id, duplicate: true, status: 'processed' });
      await postGeneric(message).expect(200);
      expect(await requestsOfAccount()).toHaveLength(1);
      expect(harness.sender.sent).toHaveLength(1);
    });

    it('a command left handling by a stopped process is taken up by the sweep once, and its order is not placed twice', async () => {
      const message = sms(`*1*${uniqueNumber()}`);
      const { message: stored } = await store.smsMessages.recordInbound({ gateway: 'generic', gatewayMessageId: message.id, from: message.from, to: message.to, text: message.text });
      // The dead process placed the order, then stopped before it wrote the outcome.
      await harness.handler.handle(stored);
      await store.smsMessages.update(stored.id, { status: 'handling' });
      expect(await requestsOfAccount()).toHaveLength(1);

      expect(await harness.handler.resumeStale(clock.now())).toBe(0);
      await clock.advance(1);
      const [first, second] = await Promise.all([harness.handler.resumeStale(clock.now()), harness.handler.resumeStale(clock.now())]);
      expect(first + second).toBeGreaterThanOrEqual(1);
      expect(await inbound(stored.id)).toMatchObject({ status: 'processed' });
      expect(await requestsOfAccount()).toHaveLength(1);
      // One reply from the dead process's run, one from the sweep's (the first never got stored as sent).
      expect(harness.sender.sent.length).toBeLessThanOrEqual(2);
    });

    it('two handlers racing on one stored message: exactly one acts on it', async () => {
      const message = sms(`*1*${uniqueNumber()}`);
      const { message: stored } = await store.smsMessages.recordInbound({ gateway: 'generic', gatewayMessageId: message.id, from: message.from, to: message.to, text: message.text });
      const outcomes = await Promise.all([harness.handler.handle(stored), harness.handler.handle(stored)]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['handling', 'processed']);
      expect(await requestsOfAccount()).toHaveLength(1);
      expect(harness.sender.sent).toHaveLength(1);
    });

    it('is recognised on the Kannel endpoint too, per gateway', async () => {
      const id = randomUUID();
      const query = { from: sender, to: SERVICE_NUMBER, text: '#balance', id };
      await getKannel(query).expect(200);
      await getKannel(query).expect(200);
      await request(harness.app)
        .post('/sms/inbound/kannel')
        .query({ ...query, secret: KANNEL_SECRET })
        .type('text/plain')
        .send('#balance')
        .expect(200);
      expect(harness.sender.textsTo(sender)).toEqual(['Balance: 12.34 EUR.']);
      // The same id from another gateway is another message.
      await postGeneric({ ...query }).expect(200, /"duplicate":false/);
      expect(harness.sender.textsTo(sender)).toHaveLength(2);
    });
  });

  describe('authorization (S5)', () => {
    it('refuses an unknown sender: default reply, audit line, nothing done', async () => {
      const stranger = uniqueNumber();
      const response = await postGeneric(sms(`*1*${uniqueNumber()}`, stranger)).expect(200);
      expect(response.body.status).toBe('unauthorized');
      expect(harness.sender.textsTo(stranger)).toEqual([DEFAULT_UNAUTHORIZED_REPLY]);
      expect(await store.callbackRequests.list({ limit: 1000 })).not.toEqual(
        expect.arrayContaining([expect.objectContaining({ source: stranger })]),
      );
      const [entry] = await store.auditLog.list({ kind: 'refused', limit: 1 });
      expect(entry).toMatchObject({ kind: 'refused', reason: 'unknown_sender', caller: stranger, accountId: null, details: { channel: 'sms', smsId: response.body.id } });
      expect(await inbound(response.body.id)).toMatchObject({ status: 'unauthorized', lastError: 'unknown_sender' });
    });

    it('refuses a registered number without "Allow authorization", and an inactive account', async () => {
      const unticked = uniqueNumber();
      await store.callerIds.add({ accountId: account.id, number: unticked, allowAuthorization: false });
      await postGeneric(sms('#balance', unticked)).expect(200, /"unauthorized"/);
      expect((await store.auditLog.list({ kind: 'refused', accountId: account.id, limit: 1 }))[0]).toMatchObject({ reason: 'authorization_disabled', caller: unticked });

      await store.accounts.update(account.id, { active: false });
      await postGeneric(sms('#balance')).expect(200, /"unauthorized"/);
      expect((await store.auditLog.list({ kind: 'refused', accountId: account.id, limit: 1 }))[0]).toMatchObject({ reason: 'account_inactive', caller: sender });
      expect(harness.sender.sent.map((s) => s.text)).toEqual([DEFAULT_UNAUTHORIZED_REPLY, DEFAULT_UNAUTHORIZED_REPLY]);
    });

    it('stays silent when configured so, and never answers an alphanumeric sender', async () => {
      harness.outbound.stop();
      harness = smsHarness({ store, clock, unauthorizedReply: null });
      await postGeneric(sms('#balance', uniqueNumber())).expect(200, /"unauthorized"/);
      expect(harness.sender.sent).toEqual([]);

      harness.outbound.stop();
      harness = smsHarness({ store, clock });
      const response = await postGeneric(sms('#balance', 'MyBank')).expect(200, /"unauthorized"/);
      expect(harness.sender.sent).toEqual([]);
      expect((await store.auditLog.list({ kind: 'refused', limit: 1 }))[0]).toMatchObject({ reason: 'sender_not_a_number', caller: 'MyBank', details: { smsId: response.body.id } });
    });
  });

  describe('webhook access and malformed requests', () => {
    it('refuses a missing or wrong secret before reading or storing anything', async () => {
      const message = sms('#balance');
      await request(harness.app).post('/sms/inbound/generic').send(message).expect(401, { error: { code: 'unauthorized', message: 'the shared secret is missing' } });
      await request(harness.app)
        .post('/sms/inbound/generic')
        .set('X-Callback-Secret', `${GENERIC_SECRET}x`)
        .send(message)
        .expect(401, { error: { code: 'unauthorized', message: 'the shared secret is wrong' } });
      await getKannel({ ...message, secret: 'nope' }).expect(401);
      expect(harness.sender.sent).toEqual([]);
      expect(await store.db('sms_messages').where({ gateway_message_id: message.id })).toEqual([]);
    });

    it('refuses Kannel calls from addresses outside the allow-list', async () => {
      harness.outbound.stop();
      harness = smsHarness({ store, clock, kannel: { allowFrom: ['10.0.0.0/8'] } });
      const response = await getKannel({ ...sms('#balance'), secret: '' }).expect(403);
      expect(response.body.error).toEqual({ code: 'forbidden', message: expect.stringMatching(/^client address .* is not allowed$/) });

      harness.outbound.stop();
      harness = smsHarness({ store, clock, kannel: { allowFrom: ['127.0.0.0/8', '::1/128'] } });
      await request(harness.app).get('/sms/inbound/kannel').query(sms('#balance')).expect(200);
      expect(harness.sender.textsTo(sender)).toEqual(['Balance: 12.34 EUR.']);
    });

    it.each<[string, Record<string, unknown>, string, string]>([
      ['a missing sender', { to: SERVICE_NUMBER, text: '#balance', id: 'a1' }, 'from', 'from is required'],
      ['an empty sender', { from: '  ', to: SERVICE_NUMBER, text: '#balance', id: 'a2' }, 'from', 'from is empty'],
      ['a sender that is not text', { from: 4915112345678, to: SERVICE_NUMBER, text: '#balance', id: 'a3' }, 'from', 'from must be text'],
      ['an overlong sender', { from: '1'.repeat(33), to: SERVICE_NUMBER, text: '#balance', id: 'a4' }, 'from', 'from is longer than 32 characters'],
      ['a missing recipient', { from: '+4915112345678', text: '#balance', id: 'a5' }, 'to', 'to is required'],
      ['a missing text', { from: '+4915112345678', to: SERVICE_NUMBER, id: 'a6' }, 'text', 'text is required'],
      ['an overlong text', { from: '+4915112345678', to: SERVICE_NUMBER, text: 'x'.repeat(2001), id: 'a7' }, 'text', 'text is longer than 2000 characters'],
      ['a missing id', { from: '+4915112345678', to: SERVICE_NUMBER, text: '#balance' }, 'id', 'id is required'],
      ['an object id', { from: '+4915112345678', to: SERVICE_NUMBER, text: '#balance', id: { x: 1 } }, 'id', 'id must be text or a whole number'],
    ])('answers %s with 400 naming the field', async (_what, body, field, message) => {
      const response = await postGeneric(body).expect(400);
      expect(response.body).toEqual({ error: { code: 'invalid_field', field, message } });
      expect(harness.sender.sent).toEqual([]);
    });

    it('answers bodies that are not a message with a JSON 400, never a crash', async () => {
      const post = () => request(harness.app).post('/sms/inbound/generic').set('X-Callback-Secret', GENERIC_SECRET);
      expect((await post().set('Content-Type', 'application/json').send('{"from":').expect(400)).body.error.code).toBe('invalid_json');
      expect((await post().send([1, 2]).expect(400)).body.error.code).toBe('invalid_body');
      expect((await post().expect(400)).body.error.code).toBe('invalid_body');
      expect((await post().set('Content-Type', 'application/json').send(`{"text":"${'x'.repeat(20_000)}"}`).expect(413)).body.error.code).toBe('body_too_large');
      await getKannel({ from: sender }).expect(400, { error: { code: 'invalid_field', field: 'to', message: 'to is required' } });
    });

    it('accepts a numeric id (JSON gateways often send one)', async () => {
      const id = Math.floor(Math.random() * 1e12);
      await postGeneric({ from: sender, to: SERVICE_NUMBER, text: '#balance', id }).expect(200, /"duplicate":false/);
      await postGeneric({ from: sender, to: SERVICE_NUMBER, text: '#balance', id: String(id) }).expect(200, /"duplicate":true/);
    });
  });
});
