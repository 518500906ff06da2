import { shippedPromptFiles } from '../support/prompt-files';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { E164 } from '../../lib/domain/phone-number';
import { loadSettings, redactSettings, SettingsError } from '../../lib/config';
import { LegAIvr, PromptCatalogue } from '../../lib/ivr';
import { startService, type RunningService } from '../../lib/service/start-service';
import { startAccessRig, type AccessRig } from '../access/access-rig';
import { accessCall, accessRequests, freshDid, useAccessHandler } from '../access/support';
import { scriptDigits } from '../ivr/support';
import { csrfOf } from '../portal/support/portal-fixture';
import { describeEachDatabase } from '../support/databases';
import { embeddedServiceSettings } from '../support/service-settings';
import { captureLogger, capturingLogger } from './support/capturing-logger';

// Long and distinctive, so that a hit in a log line cannot be a coincidence.
const PIN = '739104628351';
const WRONG_PIN = '582019374650';
const OPERATOR_KEY = 'operator-key-never-logged-7Qx2Lp9Vz4Kd';
const WEBHOOK_SECRET = 'webhook-secret-never-logged-Hs8Jw3Nq6Rt';
const SMS_SECRET = 'sms-secret-never-logged-Ty5Bm1Cv';
const PORTAL_PASSWORD = 'portal-password-never-logged-Gk4Zr';
const WRONG_PASSWORD = 'wrong-password-never-logged-Pe7Xa';
const DB_PASSWORD = 'db-password-never-logged-Uw2Fo';

describeEachDatabase('secrets in logs: access-number PIN entry', (getDb, dbEngine) => {
  let rig: AccessRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('PINs entered on an access-number call, wrong or right, never appear in any log line of the controller or the simulator', async () => {
    const holder: { ivr?: LegAIvr } = {};
    const r = (rig = await startAccessRig(getDb(), dbEngine, { askDestination: { ask: (input) => holder.ivr!.ask(input) } }));
    const capture = captureLogger(r.logger);
    holder.ivr = new LegAIvr({ store: r.store, prompts: new PromptCatalogue(shippedPromptFiles()), logger: r.logger, now: () => r.clock.now() });
    const counter = useAccessHandler(r);
    const caller = '+12025550163' as E164;
    const account = await r.account(1_000);
    await r.store.callerIds.add({ accountId: account.id, number: caller, allowAuthorization: true });
    await r.store.pins.set({ accountId: account.id }, PIN);
    const did = freshDid();
    await r.store.accessNumbers.create({ did, authMode: 'ani_pin' });
    r.sim.setPhone(caller, { kind: 'answer' });
    r.sim.setPhone('+12025550264', { kind: 'answer', hangupAfterMs: 5_000 });
    scriptDigits(r.sim, [`${WRONG_PIN}#`, `${PIN}#`, '2025550264#']);

    await accessCall(r, counter, did, caller);
    const [request] = await accessRequests(r, account.id);
    await r.runUntil(async () => (await r.store.legs.listForRequest(request!.id)).some((leg) => leg.role === 'B'), 'leg B dialed');

    expect(capture.lines.length).toBeGreaterThan(10);
    expect(capture.leaks([PIN, WRONG_PIN])).toEqual([]);
  });
});

describe('secrets in logs: the assembled service', () => {
  let dir: string;
  let service: RunningService;
  let base: string;
  const { logger, capture } = capturingLogger();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callback-secrets-'));
    const settings = embeddedServiceSettings(dir, {
      CALLBACK_LOG_LEVEL: 'debug',
      CALLBACK_SECURITY_OPERATOR_API_KEY: OPERATOR_KEY,
      CALLBACK_SECURITY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      CALLBACK_SMS_GENERIC_SECRET: SMS_SECRET,
    });
    service = await startService(settings, logger);
    base = `http://127.0.0.1:${service.httpPort}`;
  });
  afterAll(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('API keys, the operator key, portal passwords, the webhook secret and the SMS secret never appear in any log line, through successes and refusals', async () => {
    const { createStore } = await import('../../lib/store');
    const store = createStore(service.db);
    const account = await store.accounts.create({ name: 'secret-test', currency: 'USD', country: 'US' });
    const { plainKey } = await store.apiKeys.create({ accountId: account.id, label: 'secret-test' });
    await store.portalUsers.create({ accountId: account.id, email: 'secret@example.com', password: PORTAL_PASSWORD });

    // API: right keys, a forged key built from a real prefix, and an operator key with a typo.
    await request(base).get('/api/v1/balance').set('Authorization', `Bearer ${plainKey}`).expect(200);
    await request(base).get('/api/v1/callbacks').set('Authorization', `Bearer ${OPERATOR_KEY}`).expect(200);
    await request(base).get('/api/v1/callbacks').set('Authorization', `Bearer ${plainKey.slice(0, 12)}forged-rest-of-key`).expect(401);
    await request(base).get('/api/v1/callbacks').set('Authorization', `Bearer ${OPERATOR_KEY}x`).expect(401);
    await request(base).post('/api/v1/callbacks').set('Authorization', `Bearer ${plainKey}`).send({ source: 'not a number' }).expect(400);

    // Portal: a wrong password, then the right one.
    for (const password of [WRONG_PASSWORD, PORTAL_PASSWORD]) {
      const agent = request.agent(base);
      const token = csrfOf((await agent.get('/')).text);
      await agent.post('/login').type('form').send({ _csrf: token, email: 'secret@example.com', password });
    }

    // SMS gateway: a wrong secret, then the right one in the query string.
    await request(base).post('/sms/inbound/generic').set('X-Callback-Secret', `${SMS_SECRET}-wrong`).send({ from: '+12025550101', to: '+12025550102', text: '#balance', id: 's-1' }).expect(401);
    await request(base).post(`/sms/inbound/generic?secret=${SMS_SECRET}`).send({ from: '+12025550101', to: '+12025550102', text: '#balance', id: 's-2' });

    expect(capture.lines.some((line) => line.includes('starting'))).toBe(true);
    expect(capture.leaks([plainKey, OPERATOR_KEY, `${OPERATOR_KEY}x`, PORTAL_PASSWORD, WRONG_PASSWORD, WEBHOOK_SECRET, SMS_SECRET, `${SMS_SECRET}-wrong`])).toEqual([]);
  });
});

describe('secrets in logs: settings', () => {
  const DATABASE_URL = `mysql://callback:${DB_PASSWORD}@db.example.com:3306/callback`;

  it('a settings error, however it is reported, never shows the database password, operator key or other secrets', () => {
    const { logger, capture } = capturingLogger();
    let error: unknown;
    try {
      loadSettings({
        env: {
          DATABASE_URL,
          CALLBACK_SECURITY_OPERATOR_API_KEY: 'short',
          CALLBACK_SECURITY_WEBHOOK_SECRET: WEBHOOK_SECRET,
          CALLBACK_SMS_SENDER_PASSWORD: SMS_SECRET,
          CALLBACK_SMS_SENDER: 'kannel',
          CALLBACK_HTTP_PORT: 'not-a-port',
        },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    // As main.ts prints it, and as a logger given the error object would.
    logger.error(`callback: invalid settings\n${(error as Error).message}`);
    logger.error('settings failed', { error });
    logger.error(error as Error);
    expect(capture.lines.length).toBe(3);
    expect(capture.leaks([DB_PASSWORD, WEBHOOK_SECRET, SMS_SECRET])).toEqual([]);
  });

  it('the effective settings logged at start-up mask the database password and every key and secret', () => {
    const { logger, capture } = capturingLogger();
    const settings = loadSettings({
      env: { DATABASE_URL, CALLBACK_SECURITY_OPERATOR_API_KEY: OPERATOR_KEY, CALLBACK_SECURITY_WEBHOOK_SECRET: WEBHOOK_SECRET, CALLBACK_SMS_GENERIC_SECRET: SMS_SECRET },
    });
    logger.info('starting', { settings: redactSettings(settings) });
    expect(capture.lines.join('\n')).toContain('db.example.com');
    expect(capture.leaks([DB_PASSWORD, OPERATOR_KEY, WEBHOOK_SECRET, SMS_SECRET])).toEqual([]);
  });

  it('a database that cannot be reached is reported without its password', async () => {
    const { logger, capture } = capturingLogger();
    const { openDatabase } = await import('../../lib/store/database');
    const db = openDatabase({ client: 'mysql', url: `mysql://callback:${DB_PASSWORD}@127.0.0.1:1/callback`, pool: { min: 0, max: 1 } });
    try {
      await db.raw('select 1');
    } catch (error) {
      logger.error('database unreachable', { error: error instanceof Error ? error.message : String(error) });
      logger.error(error as Error);
    } finally {
      await db.destroy();
    }
    expect(capture.lines.length).toBe(2);
    expect(capture.leaks([DB_PASSWORD])).toEqual([]);
  });
});

