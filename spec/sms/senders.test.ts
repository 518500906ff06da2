import { testLogger } from '../../lib/log/logger';
import { KannelSender } from '../../lib/sms/outbound/kannel-sender';
import { LogSender } from '../../lib/sms/outbound/log-sender';
import { WebhookSender } from '../../lib/sms/outbound/webhook-sender';
import { startHttpServer } from './support';

type Server = Awaited<ReturnType<typeof startHttpServer>>;

describe('KannelSender against a server playing Kannel sendsms', () => {
  let kannel: Server;
  let status = 202;
  let body = '0: Accepted for delivery';
  beforeAll(async () => {
    kannel = await startHttpServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html' }).end(body);
    });
  });
  afterAll(() => kannel.close());
  beforeEach(() => {
    status = 202;
    body = '0: Accepted for delivery';
    kannel.requests.length = 0;
  });

  it('sends with GET /cgi-bin/sendsms, credentials and addresses in the query', async () => {
    const sender = new KannelSender({ url: `${kannel.url}/cgi-bin/sendsms`, username: 'callback', password: 's3cret&more' });
    expect(await sender.send({ from: '+4930555000', to: '+4915112345678', text: 'Balance: 12.34 EUR. Ä & ü' })).toEqual({ ok: true });
    const [sent] = kannel.requests;
    expect(sent?.method).toBe('GET');
    expect(sent?.url.pathname).toBe('/cgi-bin/sendsms');
    expect(Object.fromEntries(sent?.url.searchParams ?? [])).toEqual({
      username: 'callback',
      password: 's3cret&more',
      from: '+4930555000',
      to: '+4915112345678',
      text: 'Balance: 12.34 EUR. Ä & ü',
      charset: 'UTF-8',
      coding: '0',
    });
  });

  it('asks for UCS-2 when the text has characters outside the GSM alphabet, and routes to a fixed SMSC and sender', async () => {
    const sender = new KannelSender({ url: `${kannel.url}/cgi-bin/sendsms`, from: 'Callback', smsc: 'carrier1' });
    await sender.send({ from: '+4930555000', to: '+79264567893', text: 'Баланс: 12.34 RUB' });
    const query = kannel.requests[0]?.url.searchParams;
    expect(query?.get('coding')).toBe('2');
    expect(query?.get('text')).toBe('Баланс: 12.34 RUB');
    expect(query?.get('from')).toBe('Callback');
    expect(query?.get('smsc')).toBe('carrier1');
    expect(query?.get('username')).toBe('callback');
    expect(query?.get('password')).toBe('callback-sendsms');
  });

  it('counts "queued for later delivery" as sent', async () => {
    body = '3: Queued for later delivery';
    expect(await new KannelSender({ url: kannel.url }).send({ from: 'a', to: 'b', text: 'c' })).toEqual({ ok: true });
  });

  it('reports a refusal (403, 400) as final and trouble (503) as retryable', async () => {
    const sender = new KannelSender({ url: kannel.url });
    status = 403;
    body = 'Authorization failed for sendsms';
    expect(await sender.send({ from: 'a', to: 'b', text: 'c' })).toEqual({ ok: false, retryable: false, error: 'HTTP 403: Authorization failed for sendsms' });
    status = 400;
    body = 'Missing receiver number';
    expect(await sender.send({ from: 'a', to: '', text: 'c' })).toMatchObject({ ok: false, retryable: false });
    status = 503;
    body = 'Sending failed.';
    expect(await sender.send({ from: 'a', to: 'b', text: 'c' })).toEqual({ ok: false, retryable: true, error: 'HTTP 503: Sending failed.' });
  });

  it('reports an unreachable or silent Kannel as retryable', async () => {
    const down = await startHttpServer(() => undefined);
    const silent = new KannelSender({ url: down.url, timeoutMs: 200 });
    expect(await silent.send({ from: 'a', to: 'b', text: 'c' })).toEqual({ ok: false, retryable: true, error: expect.stringMatching(/timed out|aborted/) });
    await down.close();
    const refused = await new KannelSender({ url: down.url }).send({ from: 'a', to: 'b', text: 'c' });
    expect(refused).toEqual({ ok: false, retryable: true, error: expect.stringMatching(/ECONNREFUSED|fetch failed/) });
  });
});

describe('WebhookSender', () => {
  it('POSTs JSON with the shared secret and keeps the id the gateway returns', async () => {
    const gateway = await startHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"msg-42"}'));
    try {
      const sender = new WebhookSender({ url: `${gateway.url}/send`, secret: 'hook-secret' });
      expect(await sender.send({ from: '+4930555000', to: '+4915112345678', text: 'hi' })).toEqual({ ok: true, gatewayMessageId: 'msg-42' });
      const [sent] = gateway.requests;
      expect(sent).toMatchObject({ method: 'POST', body: '{"from":"+4930555000","to":"+4915112345678","text":"hi"}' });
      expect(sent?.headers['x-callback-secret']).toBe('hook-secret');
      expect(sent?.headers['content-type']).toBe('application/json');
    } finally {
      await gateway.close();
    }
  });

  it('sends without an id when the answer has none, and reports failures like Kannel', async () => {
    let status = 204;
    const gateway = await startHttpServer((_req, res) => res.writeHead(status).end());
    try {
      const sender = new WebhookSender({ url: gateway.url });
      expect(await sender.send({ from: 'a', to: 'b', text: 'c' })).toEqual({ ok: true });
      status = 500;
      expect(await sender.send({ from: 'a', to: 'b', text: 'c' })).toEqual({ ok: false, retryable: true, error: 'HTTP 500: no body' });
      status = 422;
      expect(await sender.send({ from: 'a', to: 'b', text: 'c' })).toMatchObject({ ok: false, retryable: false });
    } finally {
      await gateway.close();
    }
  });
});

describe('LogSender', () => {
  it('writes the reply to the log and reports it sent', async () => {
    const logger = testLogger();
    const info = jest.spyOn(logger, 'info');
    expect(await new LogSender(logger).send({ from: 'a', to: '+4915112345678', text: 'Balance: 1.00 EUR.' })).toEqual({ ok: true });
    expect(info).toHaveBeenCalledWith(expect.stringContaining('log-only'), { from: 'a', to: '+4915112345678', text: 'Balance: 1.00 EUR.' });
  });
});
