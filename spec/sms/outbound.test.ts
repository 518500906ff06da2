import { testLogger } from '../../lib/log/logger';
import { KannelSender } from '../../lib/sms/outbound/kannel-sender';
import { OutboundSms, type OutboundSmsOptions } from '../../lib/sms/outbound/outbound-sms';
import { createStore, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { uniqueNumber } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';
import { eventually, RecordingSender, startHttpServer } from './support';

describeEachDatabase('OutboundSms: stored, sent, retried', (getDb) => {
  let clock: ManualClock;
  let store: Store;
  const services: OutboundSms[] = [];
  beforeEach(() => {
    clock = new ManualClock();
    store = createStore(getDb(), () => clock.now());
  });
  afterEach(() => services.splice(0).forEach((service) => service.stop()));

  function outbound(options: Partial<OutboundSmsOptions> & Pick<OutboundSmsOptions, 'sender'>): OutboundSms {
    const service = new OutboundSms({ messages: store.smsMessages, clock, logger: testLogger(), ...options });
    services.push(service);
    return service;
  }

  it('stores the message, then records Kannel accepting it', async () => {
    const kannel = await startHttpServer((_req, res) => res.writeHead(202).end('0: Accepted for delivery'));
    try {
      const service = outbound({ sender: new KannelSender({ url: `${kannel.url}/cgi-bin/sendsms` }) });
      const to = uniqueNumber();
      const sent = await service.send({ from: '+4930555000', to, text: 'Balance: 1.00 EUR.' });
      expect(sent).toMatchObject({ direction: 'out', gateway: 'kannel', status: 'sent', attempts: 1, lastError: null, to, from: '+4930555000' });
      expect(kannel.requests).toHaveLength(1);
    } finally {
      await kannel.close();
    }
  });

  it('a message with a secret is stored with its shown text; the text to send is kept only until it is sent or given up', async () => {
    const sender = new RecordingSender();
    const service = outbound({ sender, maxAttempts: 2, autoRetry: false });
    const secret = { from: '+4930555000', text: 'code 123456', shownText: 'code ******' };
    const sent = await service.send({ ...secret, to: uniqueNumber() });
    expect(sent).toMatchObject({ status: 'sent', text: 'code ******', textToSend: null });
    expect(sender.sent.map((sms) => sms.text)).toEqual(['code 123456']);

    sender.failures.push({ ok: false, retryable: true, error: 'down' }, { ok: false, retryable: true, error: 'down' });
    const failing = await service.send({ ...secret, to: uniqueNumber() });
    expect(failing).toMatchObject({ status: 'retrying', text: 'code ******', textToSend: 'code 123456' });
    await service.retryDue(clock.now() + 3_600_000);
    expect(await store.smsMessages.findById(failing.id)).toMatchObject({ status: 'failed', text: 'code ******', textToSend: null });

    const plain = await service.send({ from: '+4930555000', to: uniqueNumber(), text: 'Balance: 1.00 EUR.' });
    expect(plain).toMatchObject({ status: 'sent', text: 'Balance: 1.00 EUR.', textToSend: null });
  });

  it('retries a failing Kannel with backoff on the clock until it accepts', async () => {
    let failuresLeft = 2;
    const kannel = await startHttpServer((_req, res) => {
      if (failuresLeft-- > 0) res.writeHead(503).end('Sending failed.');
      else res.writeHead(202).end('0: Accepted for delivery');
    });
    try {
      const service = outbound({ sender: new KannelSender({ url: kannel.url }), retryDelayMs: 30_000 });
      const first = await service.send({ from: '+4930555000', to: uniqueNumber(), text: 'hello' });
      expect(first).toMatchObject({ status: 'retrying', attempts: 1, lastError: 'HTTP 503: Sending failed.' });

      await clock.advance(29_999);
      expect(kannel.requests).toHaveLength(1);
      await clock.advance(1);
      // The claim counts the attempt before the gateway answers: wait for the answer to be stored
      // and the next retry to be armed, or the clock could move on before that timer exists.
      await eventually(async () => (await store.smsMessages.findById(first.id))?.status === 'retrying' && clock.pending > 0, 'the second attempt');
      expect(await store.smsMessages.findById(first.id)).toMatchObject({ status: 'retrying', attempts: 2 });

      // Doubled: the third attempt comes 60 s after the second.
      await clock.advance(59_999);
      expect(kannel.requests).toHaveLength(2);
      await clock.advance(1);
      await eventually(async () => (await store.smsMessages.findById(first.id))?.status === 'sent', 'the third attempt');
      expect(await store.smsMessages.findById(first.id)).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
      expect(kannel.requests).toHaveLength(3);
    } finally {
      await kannel.close();
    }
  });

  it('gives up after maxAttempts, and at once on a refusal', async () => {
    const sender = new RecordingSender();
    const service = outbound({ sender, maxAttempts: 2, autoRetry: false });
    sender.failures.push({ ok: false, error: 'HTTP 503: busy', retryable: true }, { ok: false, error: 'HTTP 503: busy', retryable: true });
    const message = await service.send({ from: 'Callback', to: uniqueNumber(), text: 'x' });
    expect(message.status).toBe('retrying');
    expect(await service.retryDue(clock.now() + 29_999)).toEqual({ attempted: 0, sent: 0, failed: 0 });
    expect(await service.retryDue(clock.now() + 30_000)).toEqual({ attempted: 1, sent: 0, failed: 1 });
    expect(await store.smsMessages.findById(message.id)).toMatchObject({ status: 'failed', attempts: 2, lastError: 'HTTP 503: busy' });

    sender.failures.push({ ok: false, error: 'HTTP 403: Authorization failed for sendsms', retryable: false });
    const refused = await service.send({ from: 'Callback', to: uniqueNumber(), text: 'y' });
    expect(refused).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 403: Authorization failed for sendsms' });
    expect(sender.sent).toHaveLength(3);
  });

  it('sends a message left queued by a stopped process once it is stale, and only its own gateway\'s', async () => {
    const sender = new RecordingSender();
    const service = outbound({ sender, autoRetry: false, staleQueuedMs: 60_000 });
    const orphan = await store.smsMessages.queueOutbound({ gateway: sender.name, from: 'Callback', to: uniqueNumber(), text: 'left behind' });
    const foreign = await store.smsMessages.queueOutbound({ gateway: 'another-gateway', from: 'Callback', to: uniqueNumber(), text: 'not ours' });
    expect((await service.retryDue(clock.now() + 59_999)).attempted).toBe(0);
    expect(await service.retryDue(clock.now() + 60_000)).toEqual({ attempted: 1, sent: 1, failed: 0 });
    expect(await store.smsMessages.findById(orphan.id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await store.smsMessages.findById(foreign.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(sender.sent.map((s) => s.text)).toEqual(['left behind']);
  });

  it('two instances sweeping the same backlog send each message exactly once', async () => {
    const sender = new RecordingSender();
    const first = outbound({ sender, autoRetry: false, staleQueuedMs: 60_000 });
    const second = outbound({ sender, autoRetry: false, staleQueuedMs: 60_000 });
    const texts = ['one', 'two', 'three'];
    for (const text of texts) await store.smsMessages.queueOutbound({ gateway: sender.name, from: 'Callback', to: uniqueNumber(), text });
    const later = clock.now() + 60_000;
    const reports = await Promise.all([first.retryDue(later), second.retryDue(later), first.retryDue(later)]);
    expect(reports.reduce((sum, report) => sum + report.sent, 0)).toBe(3);
    expect(sender.sent.map((sms) => sms.text).sort()).toEqual([...texts].sort());
  });

  it('sends again a message a stopped process left sending, once it is stale (at least once)', async () => {
    const sender = new RecordingSender();
    const service = outbound({ sender, autoRetry: false, staleQueuedMs: 60_000 });
    const message = await store.smsMessages.queueOutbound({ gateway: sender.name, from: 'Callback', to: uniqueNumber(), text: 'cut off' });
    expect(await store.smsMessages.claim(message, 'sending')).toBe(true);
    expect(await store.smsMessages.claim(message, 'sending')).toBe(false);
    expect((await service.retryDue(clock.now() + 59_999)).attempted).toBe(0);
    expect(await service.retryDue(clock.now() + 60_000)).toEqual({ attempted: 1, sent: 1, failed: 0 });
    expect(await store.smsMessages.findById(message.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('treats a sender that throws as unreachable, and stops retrying when stopped', async () => {
    const sender = new RecordingSender();
    let calls = 0;
    sender.send = async () => {
      calls += 1;
      throw new Error('socket hang up');
    };
    const service = outbound({ sender, retryDelayMs: 1_000 });
    const message = await service.send({ from: 'Callback', to: uniqueNumber(), text: 'z' });
    expect(message).toMatchObject({ status: 'retrying', lastError: 'socket hang up' });
    service.stop();
    await clock.advance(10_000);
    expect(calls).toBe(1);
  });
});
