import request from 'supertest';
import type { E164 } from '../../lib/domain/phone-number';
import { describeEachDatabase } from '../support/databases';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from './support/api-fixture';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

describeEachDatabase('REST API: callback setting overrides (#18 item 1)', (getDb) => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await apiFixture(getDb());
  });
  afterAll(() => f.engine.close());

  it('the operator sets and drops overrides of an account and of its access number, and sees each value with its source', async () => {
    const { account } = await f.account(500);
    const did = `+1212555${String(account.id).padStart(4, '0')}` as E164;
    await f.store.accessNumbers.create({ did, accountId: account.id });

    const changed = await request(f.app)
      .patch(`/api/v1/accounts/${account.id}/settings`)
      .set(auth(OPERATOR_KEY))
      .send({ set: { waitTimeSeconds: 20, rejectHangupCause: 21 } })
      .expect(200);
    expect(changed.body.overrides).toEqual({ waitTimeSeconds: 20, rejectHangupCause: 'CALL_REJECTED' });
    expect(changed.body.resolved.waitTimeSeconds).toEqual({ value: 20, source: 'account' });

    await request(f.app).patch(`/api/v1/access-numbers/${did}/settings`).set(auth(OPERATOR_KEY)).send({ set: { waitTimeSeconds: 12 } }).expect(200);
    const shown = await request(f.app).get(`/api/v1/access-numbers/${did}/settings`).set(auth(OPERATOR_KEY)).expect(200);
    expect(shown.body.resolved.waitTimeSeconds).toEqual({ value: 12, source: 'access-number' });
    expect(shown.body.resolved.rejectHangupCause).toEqual({ value: 'CALL_REJECTED', source: 'account' });
    expect(shown.body.resolved.maxRetries).toEqual({ value: 2, source: 'system' });

    const dropped = await request(f.app).patch(`/api/v1/access-numbers/${did}/settings`).set(auth(OPERATOR_KEY)).send({ unset: ['waitTimeSeconds'] }).expect(200);
    expect(dropped.body.resolved.waitTimeSeconds).toEqual({ value: 20, source: 'account' });
  });

  it('refuses a bad override with every problem named, changing nothing; subscribers may not use it', async () => {
    const { account, key } = await f.account(500);
    const bad = await request(f.app)
      .patch(`/api/v1/accounts/${account.id}/settings`)
      .set(auth(OPERATOR_KEY))
      .send({ set: { waitTimeSeconds: 1, method: 'call_to_number' } })
      .expect(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed' });
    expect(bad.body.error.message).toContain('waitTimeSeconds: Too small');
    expect(bad.body.error.message).toContain('method: unknown setting');
    expect((await f.store.accounts.findById(account.id))?.settings).toEqual({});
    await request(f.app).get(`/api/v1/accounts/${account.id}/settings`).set(auth(key)).expect(403);
    await request(f.app).get('/api/v1/access-numbers/+19995550000/settings').set(auth(OPERATOR_KEY)).expect(404);
  });

  it('refuses an order with 403 when activeForUsers is off for the account', async () => {
    const { account, key } = await f.account(500);
    await request(f.app).patch(`/api/v1/accounts/${account.id}/settings`).set(auth(OPERATOR_KEY)).send({ set: { activeForUsers: false } }).expect(200);
    const refused = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: '+12025550123', destination: '+12025550124' }).expect(403);
    expect(refused.body.error.message).toBe('callback is switched off for this account (the activeForUsers setting)');
  });
});
