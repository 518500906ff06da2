import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import request from 'supertest';
import type { E164 } from '../../lib/domain/phone-number';
import { createStore, type Account, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { GENERIC_SECRET, smsHarness, type SmsHarness } from '../sms/support';
import { accountWithBalance, uniqueNumber } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';
import { secondInstance } from './support/second-instance';

const LIMIT = { limit: 3, windowMs: 10 * 60_000 };
const SERVICE_NUMBER = '+4930555000';

describeEachDatabase('SMS commands per sender (rate limit in the database)', (getDb) => {
  let otherDb: Knex;
  let clock: ManualClock;
  let store: Store;
  let one: SmsHarness;
  let two: SmsHarness;
  let account: Account;
  let sender: E164;

  beforeAll(() => {
    otherDb = secondInstance(getDb());
  });
  afterAll(async () => {
    await otherDb.destroy();
  });
  beforeEach(async () => {
    clock = new ManualClock();
    store = createStore(getDb(), () => clock.now());
    one = smsHarness({ store, clock, senderLimit: LIMIT });
    // A second instance: its own pool, its own handler and sender; only the database is shared.
    two = smsHarness({ store: createStore(otherDb, () => clock.now()), clock, senderLimit: LIMIT });
    account = await accountWithBalance(store, 1000, { timeZone: 'Europe/Berlin', country: 'DE', currency: 'EUR' });
    sender = uniqueNumber();
    await store.callerIds.add({ accountId: account.id, number: sender, allowAuthorization: true });
  });
  afterEach(() => {
    one.outbound.stop();
    two.outbound.stop();
  });

  function post(harness: SmsHarness, text: string, from: string = sender) {
    return request(harness.app).post('/sms/inbound/generic').set('X-Callback-Secret', GENERIC_SECRET).send({ from, to: SERVICE_NUMBER, text, id: randomUUID() });
  }

  async function inboundFrom(from: string) {
    return getDb()('sms_messages').where({ direction: 'in', from_number: from }).orderBy('id').select('status', 'last_error');
  }

  async function rateLimitAudits(caller: string) {
    return (await store.auditLog.list({ kind: 'refused', limit: 1000 })).filter((entry) => entry.caller === caller && entry.reason === 'rate_limited');
  }

  function replies(to: string): string[] {
    return [...one.sender.textsTo(to), ...two.sender.textsTo(to)];
  }

  it('a sender over its limit has further messages stored as rate_limited, not acted on, each audited, and is told once per window', async () => {
    const statuses: string[] = [];
    for (let i = 0; i < LIMIT.limit + 4; i += 1) statuses.push((await post(i % 2 === 0 ? one : two, '*1*+4930123456').expect(200)).body.status);
    expect(statuses).toEqual(['processed', 'processed', 'processed', 'rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    // Only the commands within the limit ordered a callback.
    expect(await store.callbackRequests.list({ accountId: account.id })).toHaveLength(LIMIT.limit);
    expect((await inboundFrom(sender)).map((row: { status: string }) => row.status)).toEqual(statuses);
    expect(await rateLimitAudits(sender)).toHaveLength(4);
    const texts = replies(sender);
    expect(texts.filter((text) => text.startsWith('Too many messages'))).toHaveLength(1);
    expect(texts).toHaveLength(LIMIT.limit + 1);

    // The next window: commands are acted on again, and a new flood is told once more.
    await clock.advance(LIMIT.windowMs);
    expect((await post(two, '#balance').expect(200)).body.status).toBe('processed');
    for (let i = 0; i < LIMIT.limit + 2; i += 1) await post(one, '#balance').expect(200);
    expect(replies(sender).filter((text) => text.startsWith('Too many messages'))).toHaveLength(2);
  });

  it('a parallel burst from one sender across two instances has exactly the limit acted on and one notice sent', async () => {
    const burst = await Promise.all(Array.from({ length: 16 }, (_, i) => post(i % 2 === 0 ? one : two, '#balance')));
    expect(burst.map((response) => response.status)).toEqual(Array.from({ length: 16 }, () => 200));
    const statuses = burst.map((response) => (response.body as { status: string }).status);
    expect(statuses.filter((status) => status === 'processed')).toHaveLength(LIMIT.limit);
    expect(statuses.filter((status) => status === 'rate_limited')).toHaveLength(16 - LIMIT.limit);
    expect(replies(sender).filter((text) => text.startsWith('Too many messages'))).toHaveLength(1);
  });

  it('one phone counts once however its number is written (+49, 0049, national)', async () => {
    const national = `0${sender.slice(3)}`;
    const spellings = [sender, `00${sender.slice(1)}`, national, sender];
    const statuses = [];
    for (const from of spellings) statuses.push((await post(one, '#balance', from).expect(200)).body.status);
    expect(statuses).toEqual(['processed', 'processed', 'processed', 'rate_limited']);
  });

  it('an unknown number flooding gets at most the limit of refusals plus one notice, never a reply per message', async () => {
    const stranger = uniqueNumber();
    for (let i = 0; i < 20; i += 1) await post(i % 2 === 0 ? one : two, '*1*+4930123456', stranger).expect(200);
    expect(replies(stranger)).toHaveLength(LIMIT.limit + 1);
    const statuses = (await inboundFrom(stranger)).map((row: { status: string }) => row.status);
    expect(statuses.filter((status) => status === 'unauthorized')).toHaveLength(LIMIT.limit);
    expect(statuses.filter((status) => status === 'rate_limited')).toHaveLength(20 - LIMIT.limit);
  });

  it('an alphanumeric sender over the limit is stored and audited but never answered', async () => {
    const name = `Spam${randomUUID().slice(0, 6)}`;
    for (let i = 0; i < LIMIT.limit + 2; i += 1) await post(one, 'hello', name).expect(200);
    expect(replies(name)).toEqual([]);
    expect(await rateLimitAudits(name)).toHaveLength(2);
  });

  it('a full sender does not limit another sender of the same account', async () => {
    for (let i = 0; i <= LIMIT.limit; i += 1) await post(one, '#balance').expect(200);
    const other = uniqueNumber();
    await store.callerIds.add({ accountId: account.id, number: other, allowAuthorization: true });
    expect((await post(two, '#balance', other).expect(200)).body.status).toBe('processed');
  });
});
