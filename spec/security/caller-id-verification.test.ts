import request from 'supertest';
import { defaultSettings } from '../../lib/config';
import type { E164 } from '../../lib/domain/phone-number';
import { testLogger } from '../../lib/log/logger';
import { authorizeSender } from '../../lib/sms/inbound/authorize';
import { OutboundSms } from '../../lib/sms/outbound/outbound-sms';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from '../http/support/api-fixture';
import { uniqueNumber } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const path = (number: string, rest = '') => `/api/v1/caller-ids/${encodeURIComponent(number)}${rest}`;
const POLICY = defaultSettings().verification;

/** The parts of a registration answer that could tell a fresh number from a known one. */
const shape = (body: Record<string, unknown>) => ({ ...body, createdAt: 0, codeExpiresAt: 0 });

/*
 * #15 item 8: a number a subscriber registers is trusted (authorizes access calls and SMS, may be
 * called first, is shown to others) only once the code we sent it is typed back, and the answers
 * never tell whether another account holds the number.
 */
describeEachDatabase('caller-ID verification (#15 item 8)', (getDb) => {
  let f: ApiFixture;

  beforeAll(async () => {
    f = await apiFixture(getDb());
  });
  afterAll(() => f.engine.close());

  it('a registered number authorizes nothing until its code comes back; the code is sent by SMS and stored only hashed', async () => {
    const { account, key } = await f.account();
    const number = uniqueNumber();
    await request(f.app).post('/api/v1/caller-ids').set(auth(key)).send({ number, allowAuthorization: true }).expect(202);
    const code = f.sms.codeSentTo(number);
    expect(code).toMatch(/^\d{6}$/);
    const stored = await f.store.db('caller_id_claims').where({ number }).first();
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(await authorizeSender(f.store, number, 'US')).toMatchObject({ ok: false, reason: 'unknown_sender' });

    await request(f.app).post(path(number, '/verify')).set(auth(key)).send({ code }).expect(200, /"verified":true/);
    expect(await authorizeSender(f.store, number, 'US')).toMatchObject({ ok: true, account: { id: account.id } });
    expect(await f.store.callerIds.findByNumber(number as E164)).toMatchObject({ accountId: account.id, verifiedVia: 'code' });
  });

  it('the code is stored and listed masked; the gateway gets the real one, also when it is sent only after a restart', async () => {
    const { key } = await f.account();
    const outbound = async (number: string) => (await f.store.db('sms_messages').where({ to_number: number, direction: 'out' }).orderBy('id'))[0];
    const number = uniqueNumber();
    await request(f.app).post('/api/v1/caller-ids').set(auth(key)).send({ number }).expect(202);
    const code = f.sms.codeSentTo(number);
    expect(code).toMatch(/^\d{6}$/);
    const sent = await outbound(number);
    expect(sent).toMatchObject({ status: 'sent', text_to_send: null });
    expect(sent.text).toContain('is ******. It expires');
    expect(JSON.stringify(sent)).not.toContain(code);
    expect(JSON.stringify(await f.store.smsMessages.listForAccount(Number(sent.account_id)))).not.toContain(code);

    // The gateway is away: the message waits with its code kept apart, and a new process sends it.
    const later = uniqueNumber();
    f.sms.failures.push({ ok: false, retryable: true, error: 'gateway unreachable' });
    await request(f.app).post('/api/v1/caller-ids').set(auth(key)).send({ number: later }).expect(202);
    const waiting = await outbound(later);
    expect(waiting).toMatchObject({ status: 'retrying' });
    expect(waiting.text).toContain('is ******.');
    expect(waiting.text_to_send).toContain(f.sms.codeSentTo(later));
    const restarted = new OutboundSms({ messages: f.store.smsMessages, sender: f.sms, clock: f.clock, logger: testLogger(), autoRetry: false });
    expect(await restarted.retryDue(f.clock.now() + 3_600_000)).toMatchObject({ sent: 1 });
    const code2 = f.sms.codeSentTo(later);
    expect(f.sms.textsTo(later)).toHaveLength(2);
    expect(f.sms.textsTo(later).every((text) => text.includes(code2))).toBe(true);
    expect(await outbound(later)).toMatchObject({ status: 'sent', text_to_send: null });
    await request(f.app).post(path(later, '/verify')).set(auth(key)).send({ code: code2 }).expect(200);
  });

  it('wrong codes lock the claim after the limit, and then even the right code is refused until the lockout ends; a code expires', async () => {
    const { key } = await f.account();
    const number = uniqueNumber();
    await request(f.app).post('/api/v1/caller-ids').set(auth(key)).send({ number }).expect(202);
    const code = f.sms.codeSentTo(number);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i < POLICY.maxAttempts; i += 1) {
      const res = await request(f.app).post(path(number, '/verify')).set(auth(key)).send({ code: wrong }).expect(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', field: 'code' });
    }
    await request(f.app).post(path(number, '/verify')).set(auth(key)).send({ code: wrong }).expect(429);
    const locked = await request(f.app).post(path(number, '/verify')).set(auth(key)).send({ code }).expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await f.store.callerIds.findByNumber(number as E164)).toBeNull();

    // A new code after the lockout and the resend interval; it is good only until it expires.
    await f.clock.advance(POLICY.lockoutMinutes * 60_000);
    await request(f.app).post(path(number, '/resend')).set(auth(key)).expect(202);
    await f.clock.advance(POLICY.codeTtlMinutes * 60_000);
    await request(f.app).post(path(number, '/verify')).set(auth(key)).send({ code: f.sms.codeSentTo(number) }).expect(400);
    expect(await f.store.callerIds.findByNumber(number as E164)).toBeNull();
  });

  it('codes to one number are spaced and capped, so registering cannot flood a phone', async () => {
    const { key } = await f.account();
    const number = uniqueNumber();
    await request(f.app).post('/api/v1/caller-ids').set(auth(key)).send({ number }).expect(202);
    const soon = await request(f.app).post(path(number, '/resend')).set(auth(key)).expect(429);
    expect(Number(soon.headers['retry-after'])).toBe(POLICY.resendIntervalSeconds);
    for (let sent = 1; sent < POLICY.maxCodesPerClaim; sent += 1) {
      await f.clock.advance(POLICY.resendIntervalSeconds * 1000);
      await request(f.app).post('/api/v1/caller-ids').set(auth(key)).send({ number }).expect(202);
    }
    await f.clock.advance(POLICY.resendIntervalSeconds * 1000);
    await request(f.app).post(path(number, '/resend')).set(auth(key)).expect(429);
    expect(f.sms.textsTo(number)).toHaveLength(POLICY.maxCodesPerClaim);
  });

  it('removing and registering a number again, from any account, sends it no more than verification.codesPerNumberPerHour codes an hour', async () => {
    const accounts = [await f.account(), await f.account()];
    const number = uniqueNumber();
    const answers: number[] = [];
    for (let i = 0; i < POLICY.codesPerNumberPerHour + 3; i += 1) {
      const { key } = accounts[i % 2]!;
      answers.push((await request(f.app).post('/api/v1/caller-ids').set(auth(key)).send({ number })).status);
      await request(f.app).delete(path(number)).set(auth(key));
    }
    expect(f.sms.textsTo(number)).toHaveLength(POLICY.codesPerNumberPerHour);
    expect(answers.slice(POLICY.codesPerNumberPerHour)).toEqual([429, 429, 429]);
  });

  it('registering a number another account holds answers exactly as for a fresh number, sends it nothing, and can never succeed', async () => {
    const holder = await f.account();
    const claimant = await f.account();
    const held = uniqueNumber();
    const fresh = uniqueNumber();
    await f.store.callerIds.add({ accountId: holder.account.id, number: held, allowAuthorization: true });

    const onHeld = await request(f.app).post('/api/v1/caller-ids').set(auth(claimant.key)).send({ number: held }).expect(202);
    const onFresh = await request(f.app).post('/api/v1/caller-ids').set(auth(claimant.key)).send({ number: fresh }).expect(202);
    expect(shape(onHeld.body)).toEqual({ ...shape(onFresh.body), number: held });
    expect(Object.keys(onHeld.headers).sort()).toEqual(Object.keys(onFresh.headers).sort());
    expect(f.sms.textsTo(held)).toEqual([]);

    const wrong = await request(f.app).post(path(held, '/verify')).set(auth(claimant.key)).send({ code: '123456' }).expect(400);
    const wrongFresh = await request(f.app).post(path(fresh, '/verify')).set(auth(claimant.key)).send({ code: f.sms.codeSentTo(fresh) === '123456' ? '654321' : '123456' }).expect(400);
    expect(wrong.body).toEqual(wrongFresh.body);
    expect(await f.store.callerIds.findByNumber(held as E164)).toMatchObject({ accountId: holder.account.id });
  });

  it('two accounts claiming one number: the first to type its code wins, the other claim is dropped and its own right code fails', async () => {
    const alice = await f.account();
    const mallory = await f.account();
    const number = uniqueNumber();
    await request(f.app).post('/api/v1/caller-ids').set(auth(mallory.key)).send({ number, allowAuthorization: true }).expect(202);
    const mallorysCode = f.sms.codeSentTo(number);
    await request(f.app).post('/api/v1/caller-ids').set(auth(alice.key)).send({ number }).expect(202);
    const alicesCode = f.sms.codeSentTo(number);

    await request(f.app).post(path(number, '/verify')).set(auth(alice.key)).send({ code: alicesCode }).expect(200);
    // Mallory's claim is gone: her right code finds nothing, as for a number she never registered.
    const late = await request(f.app).post(path(number, '/verify')).set(auth(mallory.key)).send({ code: mallorysCode }).expect(404);
    expect(late.body.error.code).toBe('not_found');
    expect(await f.store.callerIds.findByNumber(number as E164)).toMatchObject({ accountId: alice.account.id });
    expect(await f.store.callerIdClaims.listForAccount(mallory.account.id)).toEqual([]);
    const list = await request(f.app).get('/api/v1/caller-ids').set(auth(mallory.key)).expect(200);
    expect(list.body.items).toEqual([]);
  });

  it('only the operator may register a number as verified without a code', async () => {
    const { account, key } = await f.account();
    const number = uniqueNumber();
    const refused = await request(f.app).post('/api/v1/caller-ids').set(auth(key)).send({ number, verified: true }).expect(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(await f.store.callerIds.findByNumber(number)).toBeNull();
    await request(f.app).post('/api/v1/caller-ids').set(auth(OPERATOR_KEY)).send({ accountId: account.id, number, verified: true }).expect(201, /"verified":true/);
    expect(await f.store.callerIds.findByNumber(number)).toMatchObject({ accountId: account.id, verifiedVia: 'operator' });
    expect(f.sms.textsTo(number)).toEqual([]);
  });
});
