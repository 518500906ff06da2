import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import type { Knex } from 'knex';
import { CallerIdVerification } from '../../lib/caller-ids';
import { defaultSettings } from '../../lib/config';
import type { E164 } from '../../lib/domain/phone-number';
import { testLogger } from '../../lib/log/logger';
import { smsWebhookRouter } from '../../lib/sms/adapters/router';
import { SmsCommandHandler } from '../../lib/sms/inbound/handler';
import { KannelSender } from '../../lib/sms/outbound/kannel-sender';
import { OutboundSms } from '../../lib/sms/outbound/outbound-sms';
import { createStore, migrateToLatest, openDatabase, type Store } from '../../lib/store';
import { systemClock } from '../../lib/time/clock';
import { accountWithBalance } from '../store/fixtures';
import { canConnect, freePort } from '../support/ports';
import { eventually, storeOrdering } from './support';
import { describeWith, kannelBinaries } from '../support/external-services';

/*
 * A real Kannel from Debian's packages (kannel, kannel-extras for fakesmsc), configured by
 * kannel-conf/kannel.conf itself with only ports, paths and our URL rewritten:
 *   fakesmsc --MO--> bearerbox --> smsbox --get-url--> our router --> command --> KannelSender
 *   --sendsms--> smsbox --> bearerbox --MT--> fakesmsc, which prints "Got message".
 * Skipped on a developer machine without Kannel; under CI (which installs it) a missing Kannel fails.
 */
const BEARERBOX = '/usr/sbin/bearerbox';
const SMSBOX = '/usr/sbin/smsbox';
const FAKESMSC = '/usr/lib/kannel/test/fakesmsc';

const CONF = path.join(__dirname, '..', '..', 'kannel-conf', 'kannel.conf');
const SECRET = `e2e-${randomUUID()}`;
const SERVICE_NUMBER = '+4930555000';
const SENDER = '+4915112345678';
const DESTINATION = '+49301234567';


/** Replaces `key = value` lines of the group that starts at the n-th `group = name` line. */
function rewrite(conf: string, group: string, values: Record<string, string>): string {
  const lines = conf.split('\n');
  const start = lines.findIndex((line) => line.trim() === `group = ${group}`);
  if (start < 0) throw new Error(`kannel.conf has no group ${group}`);
  const seen = new Set<string>();
  for (let i = start + 1; i < lines.length && !/^group\s*=/.test(lines[i] ?? ''); i += 1) {
    const key = /^([a-z-]+)\s*=/.exec(lines[i] ?? '')?.[1];
    if (key !== undefined && key in values) {
      lines[i] = `${key} = ${values[key]}`;
      seen.add(key);
    }
  }
  const missing = Object.keys(values).filter((key) => !seen.has(key));
  if (missing.length > 0) throw new Error(`kannel.conf group ${group} lacks ${missing.join(', ')}`);
  return lines.join('\n');
}

describeWith(kannelBinaries([BEARERBOX, SMSBOX, FAKESMSC]), 'Kannel end to end (bearerbox + smsbox + fakesmsc from Debian)', () => {
  jest.setTimeout(60_000);
  const children: ChildProcess[] = [];
  const fakesmscOutput: string[] = [];
  let directory: string;
  let db: Knex;
  let store: Store;
  let server: http.Server;
  let outbound: OutboundSms;
  let smscPort: number;

  function start(command: string, args: string[], output?: string[]): ChildProcess {
    const child = spawn(command, args, { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => output?.push(chunk.toString('utf8'));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-kannel-'));
    db = openDatabase({ client: 'sqlite', filename: path.join(directory, 'callback.db') });
    await migrateToLatest(db);
    store = createStore(db);
    const account = await accountWithBalance(store, 500, { timeZone: 'Europe/Berlin', country: 'DE', currency: 'EUR' });
    await store.callerIds.add({ accountId: account.id, number: SENDER as E164, allowAuthorization: true });

    const [adminPort, boxPort, sendsmsPort, appPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    smscPort = await freePort();
    const logger = testLogger();
    outbound = new OutboundSms({
      messages: store.smsMessages,
      sender: new KannelSender({ url: `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms` }),
      clock: systemClock,
      logger,
      retryDelayMs: 1_000,
    });
    const verification = new CallerIdVerification({ store, sender: outbound, clock: systemClock, logger, settings: defaultSettings().verification });
    const handler = new SmsCommandHandler({ store, ordering: storeOrdering(store), verification, replies: outbound, logger, defaultCountry: 'DE' });
    const app = express();
    app.use(smsWebhookRouter({ messages: store.smsMessages, handler, logger, kannel: { allowFrom: ['127.0.0.1', '::1'], secret: SECRET } }));
    server = app.listen(appPort, '127.0.0.1');

    let conf = fs.readFileSync(CONF, 'utf8');
    conf = rewrite(conf, 'core', {
      'admin-port': String(adminPort),
      'smsbox-port': String(boxPort),
      'log-file': `"${path.join(directory, 'bearerbox.log')}"`,
      'store-location': `"${path.join(directory, 'kannel.store')}"`,
    });
    conf = rewrite(conf, 'smsc', { port: String(smscPort) });
    conf = rewrite(conf, 'smsbox', { 'sendsms-port': String(sendsmsPort), 'log-file': `"${path.join(directory, 'smsbox.log')}"`, 'http-queue-delay': '1' });
    const getUrl = /get-url = "http:\/\/127\.0\.0\.1:8080(\/sms\/inbound\/kannel)\?secret=[^&]*(&[^"]*)"/.exec(conf);
    if (!getUrl) throw new Error('kannel.conf get-url is not in the expected form');
    conf = rewrite(conf, 'sms-service', { 'get-url': `"http://127.0.0.1:${appPort}${getUrl[1]}?secret=${SECRET}${getUrl[2]}"` });
    const confPath = path.join(directory, 'kannel.conf');
    fs.writeFileSync(confPath, conf);

    start(BEARERBOX, ['-v', '1', confPath]);
    // Not probed on the SMSC port: the fake SMSC serves one client at a time, and a probe counts as one.
    await eventually(() => canConnect(adminPort), 'bearerbox to listen');
    start(SMSBOX, ['-v', '1', confPath]);
    await eventually(() => canConnect(sendsmsPort), 'smsbox to listen');
  });

  afterAll(async () => {
    outbound?.stop();
    for (const child of children) if (running(child)) child.kill('SIGTERM');
    await Promise.all(children.map(exited));
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await db?.destroy();
    if (directory && process.env.KEEP_KANNEL_LOGS !== '1') fs.rmSync(directory, { recursive: true, force: true });
  });

  let phone: ChildProcess | undefined;

  /** One fakesmsc at a time (the fake SMSC serves a single client); it stays to receive the reply. */
  async function sendFromPhone(text: string): Promise<void> {
    if (phone && running(phone)) {
      phone.kill('SIGTERM');
      await exited(phone);
    }
    // fakesmsc's "text" messages are plain: sender, receiver, the keyword "text", then the words.
    phone = start(FAKESMSC, ['-H', '127.0.0.1', '-r', String(smscPort), '-m', '1', `${SENDER} ${SERVICE_NUMBER} text ${text}`], fakesmscOutput);
  }

  it('an SMS through Kannel queues the callback and the reply comes back through sendsms', async () => {
    await sendFromPhone(`*1*${DESTINATION}`);
    await eventually(async () => (await store.callbackRequests.list({ limit: 1 })).length === 1, 'the callback request', 30_000);
    const [queued] = await store.callbackRequests.list({ limit: 1 });
    expect(queued).toMatchObject({ trigger: 'sms', source: SENDER, destination: DESTINATION, state: 'queued' });

    const [received] = await store.smsMessages.listByStatus('in', 'processed');
    expect(received).toMatchObject({ gateway: 'kannel', from: SENDER, to: SERVICE_NUMBER, text: `*1*${DESTINATION}` });
    // Kannel's %I: a UUID per message, which is what duplicate detection keys on.
    expect(received?.gatewayMessageId).toMatch(/^[0-9a-f-]{36}$/);

    const reply = `Callback queued: we call ${SENDER} now, then ${DESTINATION}.`;
    await eventually(() => fakesmscOutput.join('').includes(reply), 'fakesmsc to receive the reply', 30_000);
    // Kannel can deliver before our side has recorded its answer.
    await eventually(async () => (await store.smsMessages.listByStatus('out', 'sent')).length === 1, 'the reply to be recorded as sent');
    const [sent] = await store.smsMessages.listByStatus('out', 'sent');
    expect(sent).toMatchObject({ gateway: 'kannel', to: SENDER, text: reply, attempts: 1 });
  });

  it('#balance and #reglist: replies reach the phone', async () => {
    await sendFromPhone('#balance');
    await eventually(() => fakesmscOutput.join('').includes('Balance: 5.00 EUR.'), 'the balance reply', 30_000);
    await sendFromPhone('#reglist');
    await eventually(() => fakesmscOutput.join('').includes(`Registered numbers: ${SENDER}.`), 'the reglist reply', 30_000);
  });
});

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function exited(child: ChildProcess): Promise<void> {
  return running(child) ? new Promise((resolve) => child.once('exit', () => resolve())) : Promise.resolve();
}

