import { randomUUID } from 'node:crypto';
import { createStore, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from './fixtures';

const T0 = Date.UTC(2030, 0, 1);

describeEachDatabase('SMS, recordings, faxes and the audit log', (getDb) => {
  let now = T0;
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb(), () => now);
  });

  it('stores an inbound SMS once per gateway message id', async () => {
    const message = { gateway: 'gw1', gatewayMessageId: randomUUID(), from: '+4915112345678', to: '+4930000000', text: '*1*4930123' };
    const first = await store.smsMessages.recordInbound(message);
    expect(first).toMatchObject({ created: true, message: { direction: 'in', status: 'received', attempts: 0, ...message } });
    const replay = await store.smsMessages.recordInbound({ ...message, text: 'changed' });
    expect(replay).toEqual({ created: false, message: first.message });
    expect((await store.smsMessages.recordInbound({ ...message, gateway: 'gw2' })).created).toBe(true);
    expect((await store.smsMessages.recordInbound({ ...message, gatewayMessageId: null })).created).toBe(true);
    expect((await store.smsMessages.recordInbound({ ...message, gatewayMessageId: null })).created).toBe(true);
  });

  it('queues outbound SMS and tracks their delivery attempts', async () => {
    const account = await accountWithBalance(store, 0);
    const reply = { gateway: 'gw1', from: 'Callback', to: '+4915112345678', text: 'Balance: 1.00', accountId: account.id };
    const sms = await store.smsMessages.queueOutbound(reply);
    expect(sms).toMatchObject({ direction: 'out', status: 'queued', gatewayMessageId: null });
    expect((await store.smsMessages.listByStatus('out', 'queued')).map((m) => m.id)).toContain(sms.id);
    await store.smsMessages.update(sms.id, { incrementAttempts: true, lastError: 'timeout' });
    await store.smsMessages.update(sms.id, { incrementAttempts: true, status: 'sent', gatewayMessageId: 'abc', lastError: null });
    expect(await store.smsMessages.findById(sms.id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null, gatewayMessageId: 'abc' });
    expect((await store.smsMessages.listForAccount(account.id)).map((m) => m.id)).toEqual([sms.id]);
  });

  it('keeps recordings and faxes per account and request', async () => {
    const account = await accountWithBalance(store, 0);
    const requestId = randomUUID();
    const recording = await store.recordings.create({ accountId: account.id, requestId, path: 'recordings/a.wav', bytes: 48_000, durationMs: 3_000 });
    const fax = await store.faxes.create({ accountId: account.id, requestId, path: 'faxes/a.tiff', bytes: 9_000, pages: 2 });
    expect(recording).toMatchObject({
      accountId: account.id,
      requestId,
      legUuid: null,
      path: 'recordings/a.wav',
      bytes: 48_000,
      durationMs: 3_000,
      createdAt: T0,
    });
    expect(fax).toMatchObject({ path: 'faxes/a.tiff', pages: 2 });
    expect(await store.recordings.listForAccount(account.id)).toEqual([recording]);
    expect(await store.faxes.listForRequest(requestId)).toEqual([fax]);
    expect(await store.recordings.remove(recording.id)).toBe(true);
    expect(await store.recordings.findById(recording.id)).toBeNull();
  });

  it('records refusals with their reason and lists them newest first', async () => {
    const account = await accountWithBalance(store, 0);
    now = T0;
    await store.auditLog.record({ kind: 'refused', reason: 'unknown_caller', caller: '+4930111111', details: { did: '+15550000' } });
    now = T0 + 1;
    await store.auditLog.record({ kind: 'refused', reason: 'pin_locked', caller: '+4930222222', accountId: account.id });
    now = T0 + 2;
    await store.auditLog.record({ kind: 'operator', reason: 'balance_adjusted', accountId: account.id });
    const refusals = await store.auditLog.list({ kind: 'refused', since: T0 });
    expect(refusals.map((entry) => entry.reason).slice(0, 2)).toEqual(['pin_locked', 'unknown_caller']);
    expect(refusals[1]).toMatchObject({ at: T0, caller: '+4930111111', accountId: null, details: { did: '+15550000' } });
    expect((await store.auditLog.list({ accountId: account.id })).map((entry) => entry.reason)).toEqual(['balance_adjusted', 'pin_locked']);
  });
});
