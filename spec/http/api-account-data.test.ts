import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { minorUnits } from '../../lib/domain/money';
import { describeEachDatabase } from '../support/databases';
import { apiFixture, OPERATOR_KEY, type ApiFixture } from './support/api-fixture';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

describeEachDatabase('REST API: phone book, caller IDs, billing, history, media', (getDb) => {
  let f: ApiFixture;
  const mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-media-'));
  beforeAll(async () => {
    f = await apiFixture(getDb(), { mediaRoot });
  });
  afterAll(() => {
    f.engine.close();
    fs.rmSync(mediaRoot, { recursive: true, force: true });
  });

  it('phone book: add (national numbers normalised), rename, list by name, delete; other accounts see nothing', async () => {
    const alice = await f.account();
    const bob = await f.account();
    await request(f.app).post('/api/v1/phone-book').set(auth(alice.key)).send({ name: 'Zed', number: '202-555-0199' }).expect(201, /\+12025550199/);
    await request(f.app).post('/api/v1/phone-book').set(auth(alice.key)).send({ name: 'Ann', number: '+12025550198' }).expect(201);
    const renamed = await request(f.app).put('/api/v1/phone-book/%2B12025550199').set(auth(alice.key)).send({ name: 'Abe' }).expect(200);
    expect(renamed.body).toMatchObject({ name: 'Abe', number: '+12025550199' });
    const list = await request(f.app).get('/api/v1/phone-book').set(auth(alice.key)).expect(200);
    expect(list.body.items.map((e: { name: string }) => e.name)).toEqual(['Abe', 'Ann']);
    expect((await request(f.app).get('/api/v1/phone-book').set(auth(bob.key)).expect(200)).body.items).toEqual([]);
    await request(f.app).put('/api/v1/phone-book/%2B12025550199').set(auth(bob.key)).send({ name: 'Mine' }).expect(404);
    await request(f.app).delete('/api/v1/phone-book/%2B12025550199').set(auth(bob.key)).expect(404);
    await request(f.app).get(`/api/v1/phone-book?accountId=${alice.account.id}`).set(auth(bob.key)).expect(403);
    await request(f.app).delete('/api/v1/phone-book/%2B12025550199').set(auth(alice.key)).expect(204);
    const bad = await request(f.app).post('/api/v1/phone-book').set(auth(alice.key)).send({ name: '', number: 'x' }).expect(400);
    expect(bad.body.error.field).toBe('name');
    const operatorView = await request(f.app).get(`/api/v1/phone-book?accountId=${alice.account.id}`).set(auth(OPERATOR_KEY)).expect(200);
    expect(operatorView.body.items).toHaveLength(1);
  });

  it('caller IDs: register (a code by SMS), verify, enable authorization, remove; a number belongs to one account', async () => {
    const alice = await f.account();
    const bob = await f.account();
    const added = await request(f.app).post('/api/v1/caller-ids').set(auth(alice.key)).send({ number: '+12025550177' }).expect(202);
    expect(added.body).toMatchObject({ number: '+12025550177', allowAuthorization: false, verified: false });
    await request(f.app).post('/api/v1/caller-ids/%2B12025550177/verify').set(auth(alice.key)).send({ code: f.sms.codeSentTo('+12025550177') }).expect(200, /"verified":true/);
    // Bob is answered as for any number, but nothing is sent to Alice's phone and nothing moves.
    const sentBefore = f.sms.textsTo('+12025550177').length;
    const claimed = await request(f.app).post('/api/v1/caller-ids').set(auth(bob.key)).send({ number: '+12025550177' }).expect(202);
    expect(claimed.body).toMatchObject({ number: '+12025550177', verified: false });
    expect(f.sms.textsTo('+12025550177')).toHaveLength(sentBefore);
    await request(f.app).patch('/api/v1/caller-ids/%2B12025550177').set(auth(alice.key)).send({ allowAuthorization: true }).expect(200, /"allowAuthorization":true/);
    expect((await f.store.callerIds.findByNumber('+12025550177' as never))?.allowAuthorization).toBe(true);
    const list = await request(f.app).get('/api/v1/caller-ids').set(auth(alice.key)).expect(200);
    expect(list.body.items).toEqual([expect.objectContaining({ number: '+12025550177', allowAuthorization: true, verified: true })]);
    // Bob removes his own claim; Alice's number stays hers.
    await request(f.app).delete('/api/v1/caller-ids/%2B12025550177').set(auth(bob.key)).expect(204);
    await request(f.app).delete('/api/v1/caller-ids/%2B12025550177').set(auth(bob.key)).expect(404);
    await request(f.app).delete('/api/v1/caller-ids/%2B12025550177').set(auth(alice.key)).expect(204);
    const badPatch = await request(f.app).patch('/api/v1/caller-ids/%2B12025550177').set(auth(alice.key)).send({ allowAuthorization: 'yes' }).expect(400);
    expect(badPatch.body.error.field).toBe('allowAuthorization');
  });

  it('balance and payments: accounts read their own; only the operator records payments', async () => {
    const alice = await f.account(500);
    const bob = await f.account();
    const balance = await request(f.app).get('/api/v1/balance').set(auth(alice.key)).expect(200);
    expect(balance.body).toEqual({ currency: 'USD', balanceMinor: 500, creditLimitMinor: 0, reservedMinor: 0, availableMinor: 500 });
    const refused = await request(f.app).post('/api/v1/payments').set(auth(alice.key)).send({ accountId: alice.account.id, amountMinor: 1_000 }).expect(403);
    expect(refused.body.error.code).toBe('forbidden');
    const paid = await request(f.app).post('/api/v1/payments').set(auth(OPERATOR_KEY)).send({ accountId: alice.account.id, amountMinor: 250, reference: 'inv-1' }).expect(201);
    expect(paid.body).toMatchObject({ amountMinor: 250, currency: 'USD', method: 'api', reference: 'inv-1' });
    const zero = await request(f.app).post('/api/v1/payments').set(auth(OPERATOR_KEY)).send({ accountId: alice.account.id, amountMinor: 0 }).expect(400);
    expect(zero.body.error.field).toBe('amountMinor');
    expect((await request(f.app).get('/api/v1/balance').set(auth(alice.key))).body.balanceMinor).toBe(750);
    const payments = await request(f.app).get('/api/v1/payments').set(auth(alice.key)).expect(200);
    expect(payments.body.items.map((p: { amountMinor: number }) => p.amountMinor)).toEqual([250, 500]);
    expect((await request(f.app).get('/api/v1/payments').set(auth(bob.key))).body.items).toEqual([]);
    await request(f.app).get(`/api/v1/balance?accountId=${alice.account.id}`).set(auth(bob.key)).expect(403);
    const needsAccount = await request(f.app).get('/api/v1/balance').set(auth(OPERATOR_KEY)).expect(400);
    expect(needsAccount.body.error.field).toBe('accountId');
  });

  it('history: each account sees its own legs with their costs, within a period', async () => {
    const alice = await f.account();
    const bob = await f.account();
    const at = f.clock.now();
    const cdr = (accountId: number, startedAt: number, cost: number) =>
      f.store.cdrs.insert({ legUuid: randomUUID(), accountId, direction: 'outbound', number: '+12025550101', startedAt, billsec: 60, costMinor: minorUnits(cost), source: 'socket' });
    await cdr(alice.account.id, at - 10_000, 7);
    await cdr(alice.account.id, at, 3);
    await cdr(bob.account.id, at, 9);
    const all = await request(f.app).get('/api/v1/history').set(auth(alice.key)).expect(200);
    expect(all.body.items.map((c: { costMinor: number }) => c.costMinor)).toEqual([7, 3]);
    const recent = await request(f.app).get(`/api/v1/history?from=${at - 1}`).set(auth(alice.key)).expect(200);
    expect(recent.body.items.map((c: { costMinor: number }) => c.costMinor)).toEqual([3]);
    const bobs = await request(f.app).get('/api/v1/history').set(auth(bob.key)).expect(200);
    expect(bobs.body.items.map((c: { costMinor: number }) => c.costMinor)).toEqual([9]);
  });

  it('recordings and faxes: listed and downloaded by their owner only, never from outside the media root', async () => {
    const alice = await f.account();
    const bob = await f.account();
    fs.writeFileSync(path.join(mediaRoot, 'rec-1.wav'), 'RIFF-audio');
    fs.writeFileSync(path.join(mediaRoot, 'fax-1.tif'), 'II*-fax');
    const recording = await f.store.recordings.create({ accountId: alice.account.id, path: 'rec-1.wav', bytes: 10, durationMs: 1_500 });
    const fax = await f.store.faxes.create({ accountId: alice.account.id, path: 'fax-1.tif', bytes: 7, pages: 2 });
    const escape = await f.store.recordings.create({ accountId: alice.account.id, path: '../../etc/passwd', bytes: 1, durationMs: 1 });
    const recordings = await request(f.app).get('/api/v1/recordings').set(auth(alice.key)).expect(200);
    expect(recordings.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id: recording.id, durationMs: 1_500 })]));
    expect((await request(f.app).get('/api/v1/faxes').set(auth(alice.key))).body.items).toEqual([expect.objectContaining({ id: fax.id, pages: 2 })]);
    const file = await request(f.app).get(`/api/v1/recordings/${recording.id}/file`).set(auth(alice.key)).buffer(true).expect(200);
    expect(file.headers['content-disposition']).toContain('rec-1.wav');
    expect(Buffer.from(file.body as Buffer).toString()).toBe('RIFF-audio');
    await request(f.app).get(`/api/v1/faxes/${fax.id}/file`).set(auth(alice.key)).expect(200);
    await request(f.app).get(`/api/v1/recordings/${recording.id}/file`).set(auth(bob.key)).expect(404);
    await request(f.app).get(`/api/v1/faxes/${fax.id}/file`).set(auth(bob.key)).expect(404);
    await request(f.app).get(`/api/v1/recordings/${escape.id}/file`).set(auth(alice.key)).expect(404);
    expect((await request(f.app).get('/api/v1/recordings').set(auth(bob.key))).body.items).toEqual([]);
    await request(f.app).get(`/api/v1/recordings/${recording.id}/file`).set(auth(OPERATOR_KEY)).expect(200);
  });
});
