import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import type { CallbackEngine } from '../../../lib/callback/engine';
import type { E164 } from '../../../lib/domain/phone-number';
import { minorUnits } from '../../../lib/domain/money';
import { API_PREFIX, apiRouter } from '../../../lib/http/api/router';
import { createHttpApp } from '../../../lib/http/app';
import { EventFanout } from '../../../lib/http/live/fanout';
import { portalRouter, type PortalDependencies } from '../../../lib/http/portal/router';
import { testLogger } from '../../../lib/log/logger';
import { CallerIdVerification } from '../../../lib/caller-ids';
import { defaultSettings } from '../../../lib/config';
import { OutboundSms } from '../../../lib/sms/outbound/outbound-sms';
import { createStore, type Account, type Store } from '../../../lib/store';
import { ManualClock } from '../../../lib/time/clock';
import { accountWithBalance, unique } from '../../store/fixtures';
import { publicWebhookTargets } from '../../support/fake-dns';
import { RecordingSender } from '../../sms/support';
import { offlineEngine } from '../../support/offline-engine';

export const PASSWORD = 'correct horse battery';

export interface Subscriber {
  account: Account;
  email: string;
  /** Its authorized number (a caller ID of the account). */
  number: E164;
}

export interface PortalFixture {
  store: Store;
  clock: ManualClock;
  engine: CallbackEngine;
  fanout: EventFanout;
  scheduled: Array<{ requestId: string; dueAt: number }>;
  /** The SMS sent to phones: caller-ID codes (#15 item 8). */
  sms: RecordingSender;
  /** The service's HTTP app: the API at /api/v1, the portal last, at `/`. */
  app(options?: Partial<PortalDependencies>): Express;
  subscriber(): Promise<Subscriber>;
  close(): Promise<void>;
}

export async function portalFixture(db: Knex): Promise<PortalFixture> {
  const clock = new ManualClock();
  const logger = testLogger();
  const store = createStore(db, () => clock.now());
  let numbers = 0;
  const { engine, scheduled } = await offlineEngine({ db, store, clock, logger, instanceId: 'portal-test' });
  const fanout = new EventFanout({ store, logger });
  await fanout.start();
  fanout.attach(engine);
  const sms = new RecordingSender();
  const outbound = new OutboundSms({ messages: store.smsMessages, sender: sms, clock, logger, autoRetry: false });
  const verification = new CallerIdVerification({ store, sender: outbound, clock, logger, settings: defaultSettings().verification });
  return {
    store,
    clock,
    engine,
    fanout,
    scheduled,
    sms,
    app(options = {}) {
      const deps = { engine, db, logger, clock, fanout, store, verification, webhookTargets: publicWebhookTargets(clock) };
      return createHttpApp({
        logger,
        readiness: [],
        routers: [
          { path: API_PREFIX, router: apiRouter(deps) },
          { router: portalRouter({ ...deps, ...options }) },
        ],
      });
    },
    async subscriber() {
      const account = await accountWithBalance(store, 1000, { country: 'US', timeZone: 'Europe/Berlin', creditLimitMinor: minorUnits(0) });
      numbers += 1;
      const number = `+120255501${String(numbers).padStart(2, '0')}` as E164;
      await store.callerIds.add({ accountId: account.id, number, allowAuthorization: true });
      const email = `${unique('user')}@example.com`;
      await store.portalUsers.create({ accountId: account.id, email, password: PASSWORD });
      return { account, email, number };
    },
    async close() {
      await fanout.close();
      engine.close();
    },
  };
}

/** The CSRF token a page carries in its forms. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('the page has no CSRF token');
  return match[1];
}

/** Logs in through the form, as a browser would; returns the agent (holding the cookie) and the CSRF token. */
export async function logIn(app: Express, email: string, password = PASSWORD): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }> {
  const agent = request.agent(app);
  const form = await agent.get('/').expect(200);
  await agent.post('/login').type('form').send({ _csrf: csrfOf(form.text), email, password }).expect(303).expect('Location', '/');
  const home = await agent.get('/').expect(200);
  return { agent, csrf: csrfOf(home.text) };
}

export function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const header = res.headers['set-cookie'];
  return Array.isArray(header) ? header.map(String) : typeof header === 'string' ? [header] : [];
}
