import request from 'supertest';
import { defaultSettings } from '../../lib/config';
import type { E164 } from '../../lib/domain/phone-number';
import { systemSettingsOf } from '../../lib/settings';
import { describeEachDatabase } from '../support/databases';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from './support/api-fixture';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

describeEachDatabase('REST API: callback setting overrides (#18 item 1)', (getDb) => {
  let f: ApiFixture;
  beforeAll(async () => {
    // The system's routing values differ from the defaults, and there are two nodes, so that both show.
    f = await apiFixture(getDb(), { system: { ...systemSettingsOf(defaultSettings()), routing: { policy: 'priority', allowLossCalls: true }, nodes: ['fs1', 'fs2'] } });
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

  it('#17: shows the routing keys\' real system value, and refuses a callbackServer that names no node', async () => {
    const { account } = await f.account(500);
    const shown = await request(f.app).get(`/api/v1/accounts/${account.id}/settings`).set(auth(OPERATOR_KEY)).expect(200);
    expect([shown.body.resolved.routingPolicy, shown.body.resolved.allowLossCalls, shown.body.resolved.callbackServer]).toEqual([
      { value: 'priority', source: 'system' },
      { value: true, source: 'system' },
      { value: 'any', source: 'system' },
    ]);
    const refused = await request(f.app).patch(`/api/v1/accounts/${account.id}/settings`).set(auth(OPERATOR_KEY)).send({ set: { callbackServer: 'fs9' } }).expect(400);
    expect(refused.body.error).toEqual({
      code: 'validation_failed',
      field: 'set',
      message: 'callbackServer: "fs9" names no FreeSWITCH node; expected "any" or one of "fs1", "fs2" (freeswitch.nodes)',
    });
    expect((await f.store.accounts.findById(account.id))?.settings).toEqual({});
    const set = await request(f.app).patch(`/api/v1/accounts/${account.id}/settings`).set(auth(OPERATOR_KEY)).send({ set: { callbackServer: 'fs2', routingPolicy: 'cheapest' } }).expect(200);
    expect([set.body.resolved.callbackServer, set.body.resolved.routingPolicy]).toEqual([
      { value: 'fs2', source: 'account' },
      { value: 'cheapest', source: 'account' },
    ]);
  });

  it('refuses an order with 403 when activeForUsers is off for the account', async () => {
    const { account, key } = await f.account(500);
    await request(f.app).patch(`/api/v1/accounts/${account.id}/settings`).set(auth(OPERATOR_KEY)).send({ set: { activeForUsers: false } }).expect(200);
    const refused = await request(f.app).post('/api/v1/callbacks').set(auth(key)).send({ source: '+12025550123', destination: '+12025550124' }).expect(403);
    expect(refused.body.error.message).toBe('callback is switched off for this account (the activeForUsers setting)');
  });
});
