import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { engineOrdering } from '../../lib/sms';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from '../http/support/api-fixture';
import { logIn, portalFixture, type PortalFixture } from '../portal/support/portal-fixture';
import { GENERIC_SECRET, smsHarness } from '../sms/support';
import { uniqueNumber } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const DESTINATION = '+493012345678';

/*
 * #15 item 5: a subscriber's first party (leg A, the number called first) must be one of the
 * account's verified numbers on every path a subscriber orders through, unless the operator gave
 * the account free sources. Otherwise anyone with an account could have a stranger's phone rung
 * (and their number shown) at will.
 */
describeEachDatabase('who may be called first (#15 item 5)', (getDb) => {
  let f: ApiFixture;
  let portal: PortalFixture;

  beforeAll(async () => {
    f = await apiFixture(getDb());
    portal = await portalFixture(getDb());
  });
  afterAll(async () => {
    f.engine.close();
    await portal.close();
  });

  it('the API refuses an account key a first party that is not its verified number, until the operator frees the account; the operator key may name any', async () => {
    const { account, key } = await f.account(0, { freeSources: false });
    const own = uniqueNumber();
    const stranger = uniqueNumber();
    await f.store.callerIds.add({ accountId: account.id, number: own });

    const refused = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: stranger, destination: DESTINATION }).expect(400);
    expect(refused.body.error).toMatchObject({ code: 'validation_failed', field: 'source' });
    expect(refused.body.error.message).toContain('not one of the account');
    // A number registered but not yet verified counts as a stranger's.
    await request(f.app).post('/api/v1/caller-ids').set(auth(key)).send({ number: stranger }).expect(202);
    await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: stranger, destination: DESTINATION }).expect(400);
    await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: own, destination: DESTINATION }).expect(201);
    // Scheduled orders are held to the same rule.
    const tomorrow = new Date(f.clock.now() + 86_400_000).toISOString();
    const scheduled = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: stranger, at: tomorrow }).expect(400);
    expect(scheduled.body.error).toMatchObject({ code: 'validation_failed', field: 'source' });
    expect((await f.store.callbackRequests.list({ accountId: account.id })).map((r) => r.source)).toEqual([own]);

    await request(f.app).post('/api/v1/callbacks').set(auth(OPERATOR_KEY)).send({ accountId: account.id, source: stranger }).expect(201);

    await request(f.app).patch(`/api/v1/accounts/${account.id}`).set(auth(key)).send({ freeSources: true }).expect(403);
    await request(f.app).patch(`/api/v1/accounts/${account.id}`).set(auth(OPERATOR_KEY)).send({ freeSources: true }).expect(200, /"freeSources":true/);
    await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: stranger, destination: DESTINATION }).expect(201);
  });

  it("the portal's API mount is held to the same rule as its form (the old bypass)", async () => {
    const app = portal.app();
    const me = await portal.subscriber();
    const other = await portal.subscriber();
    const { agent, csrf } = await logIn(app, me.email);
    const bypass = await agent.post('/portal/api/v1/callbacks').set('X-CSRF-Token', csrf).send({ source: other.number, destination: DESTINATION });
    expect(bypass.status).toBe(400);
    expect(bypass.body.error).toMatchObject({ code: 'validation_failed', field: 'source' });
    const form = await agent.post('/callbacks').type('form').send({ _csrf: csrf, source: other.number, destination: DESTINATION }).expect(400);
    expect(form.text).toContain('is not one of the account&#39;s verified numbers');
    expect(await portal.store.callbackRequests.list({ accountId: me.account.id })).toEqual([]);
    await agent.post('/portal/api/v1/callbacks').set('X-CSRF-Token', csrf).send({ source: me.number, destination: DESTINATION }).expect(201);
  });

  it('SMS: with two numbers the first must be a verified number of the account too', async () => {
    const { account } = await f.account(10_000, { freeSources: false });
    const sender = uniqueNumber();
    const second = uniqueNumber();
    await f.store.callerIds.add({ accountId: account.id, number: sender, allowAuthorization: true });
    const harness = smsHarness({ store: f.store, clock: f.clock, ordering: engineOrdering((order) => f.engine.order(order), f.store.callbackRequests) });
    const post = (text: string) =>
      request(harness.app).post('/sms/inbound/generic').set('X-Callback-Secret', GENERIC_SECRET).send({ from: sender, to: '+4930999999', text, id: randomUUID() });
    try {
      await post(`*1*${uniqueNumber()}*${DESTINATION}`).expect(200, /"rejected"/);
      expect(harness.sender.textsTo(sender).at(-1)).toContain('not one of the account');
      await post(`*1*${sender}*${DESTINATION}`).expect(200, /"processed"/);
      await post(`*1*${DESTINATION}`).expect(200, /"processed"/);
      expect((await f.store.callbackRequests.list({ accountId: account.id })).map((r) => r.source)).toEqual([sender, sender]);
      // A number the account verifies becomes a first party it may use.
      await f.store.callerIds.add({ accountId: account.id, number: second });
      await post(`*1*${second}*${DESTINATION}`).expect(200, /"processed"/);
    } finally {
      harness.outbound.stop();
    }
  });
});
