import type { Knex } from 'knex';
import type { CallbackEngine } from '../../../lib/callback/engine';
import { minorUnits } from '../../../lib/domain/money';
import { apiRouter, API_PREFIX, type ApiDependencies } from '../../../lib/http/api/router';
import { createHttpApp } from '../../../lib/http/app';
import { testLogger } from '../../../lib/log/logger';
import { createStore, type Account, type Store } from '../../../lib/store';
import { sha256Hex } from '../../../lib/store/secrets';
import { ManualClock } from '../../../lib/time/clock';
import { CallerIdVerification } from '../../../lib/caller-ids';
import { defaultSettings } from '../../../lib/config';
import { OutboundSms } from '../../../lib/sms/outbound/outbound-sms';
import { RecordingSender } from '../../sms/support';
import { accountWithBalance } from '../../store/fixtures';
import { publicWebhookTargets } from '../../support/fake-dns';
import { offlineEngine } from '../../support/offline-engine';
import type { Express } from 'express';

export const OPERATOR_KEY = 'operator-key-for-tests-0123456789';

export interface ApiFixture {
  app: Express;
  store: Store;
  clock: ManualClock;
  engine: CallbackEngine;
  /** The SMS sent to phones: caller-ID codes (#15 item 8). */
  sms: RecordingSender;
  /** Requests handed to the scheduler, in order. */
  scheduled: Array<{ requestId: string; dueAt: number }>;
  /**
   * A fresh account (US numbers, time zone Europe/Berlin) with its own API key. It has free
   * sources unless `freeSources` is false: tests of other things order from any number; the
   * first-party tests (#15 item 5) hold it to its verified numbers.
   */
  account(balance?: number, options?: { freeSources?: boolean }): Promise<{ account: Account; key: string }>;
}

/** The API over a real engine and database, with a scheduler that only records (nothing is dialed). */
export async function apiFixture(db: Knex, options: Partial<ApiDependencies> = {}): Promise<ApiFixture> {
  const clock = new ManualClock();
  const logger = testLogger();
  const store = createStore(db, () => clock.now());
  const { engine, scheduled } = await offlineEngine({ db, store, clock, logger, instanceId: 'api-test' });
  const sms = new RecordingSender();
  const outbound = new OutboundSms({ messages: store.smsMessages, sender: sms, clock, logger, autoRetry: false });
  const verification = new CallerIdVerification({ store, sender: outbound, clock, logger, settings: defaultSettings().verification });
  const router = apiRouter({ engine, db, logger, clock, operatorKeyHash: sha256Hex(OPERATOR_KEY), verification, webhookTargets: publicWebhookTargets(clock), ...options });
  const app = createHttpApp({ logger, readiness: [], routers: [{ path: API_PREFIX, router }] });
  return {
    app,
    store,
    clock,
    engine,
    scheduled,
    sms,
    async account(balance = 0, options = {}) {
      const freeSources = options.freeSources ?? true;
      const account = await accountWithBalance(store, balance, { country: 'US', timeZone: 'Europe/Berlin', creditLimitMinor: minorUnits(0), freeSources });
      const { plainKey } = await store.apiKeys.create({ accountId: account.id, label: 'test' });
      return { account, key: plainKey };
    },
  };
}
