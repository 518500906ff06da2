import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { minorUnits } from '../../lib/domain/money';
import { describeEachDatabase } from '../support/databases';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from './support/api-fixture';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

describeEachDatabase('REST API: billing adjustments', (getDb) => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await apiFixture(getDb());
  });
  afterAll(() => f.engine.close());

  it('an estimate corrected to its CDR is listed for the account that paid it, and for no other account', async () => {
    const alice = await f.account(500);
    const bob = await f.account(500);
    const legUuid = randomUUID();
    await f.store.billingAdjustments.book({
      legUuid,
      payer: { accountId: alice.account.id },
      reason: 'estimate_corrected',
      estimatedBillsec: 120,
      correctedBillsec: 200,
      estimatedCostMinor: minorUnits(2),
      correctedCostMinor: minorUnits(4),
      amountMinor: minorUnits(2),
    });
    const mine = await request(f.app).get('/api/v1/adjustments').set(auth(alice.key)).expect(200);
    expect(mine.body.items).toEqual([
      { legUuid, requestId: null, reason: 'estimate_corrected', estimatedBillsec: 120, correctedBillsec: 200, estimatedCostMinor: 2, correctedCostMinor: 4, amountMinor: 2, createdAt: expect.any(Number) },
    ]);
    expect((await request(f.app).get('/api/v1/adjustments').set(auth(bob.key)).expect(200)).body.items).toEqual([]);
    await request(f.app).get(`/api/v1/adjustments?accountId=${alice.account.id}`).set(auth(bob.key)).expect(403);
    const operator = await request(f.app).get(`/api/v1/adjustments?accountId=${alice.account.id}`).set(auth(OPERATOR_KEY)).expect(200);
    expect(operator.body.items.map((item: { legUuid: string }) => item.legUuid)).toEqual([legUuid]);
    expect((await request(f.app).get('/api/v1/balance').set(auth(alice.key))).body.balanceMinor).toBe(498);
  });
});
