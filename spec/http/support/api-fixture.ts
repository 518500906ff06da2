import type { Knex } from 'knex';
import type { CallbackEngine } from '../../../lib/callback/engine';
import { minorUnits } from '../../../lib/domain/money';
import { apiRouter, API_PREFIX, type ApiDependencies } from '../../../lib/http/api/router';
import { createHttpApp } from '../../../lib/http/app';
import { testLogger } from '../../../lib/log/logger';
import { createStore, type Account, type Store } from '../../../lib/store';
import { sha256Hex } from '../../../lib/store/secrets';
import { ManualClock } from '../../../lib/time/clock';
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
  /** Requests handed to the scheduler, in order. */
  scheduled: Array<{ requestId: string; dueAt: number }>;
  /** A fresh account (US numbers, time zone Europe/Berlin) with its own API key. */
  account(balance?: number): Promise<{ account: Account; key: string }>;
}

/** The API over a real engine and database, with a scheduler that only records (nothing is dialed). */
export async function apiFixture(db: Knex, options: Partial<ApiDependencies> = {}): Promise<ApiFixture> {
  const clock = new ManualClock();
  const logger = testLogger();
  const store = createStore(db, () => clock.now());
  const { engine, scheduled } = await offlineEngine({ db, store, clock, logger, instanceId: 'api-test' });
  const router = apiRouter({ engine, db, logger, clock, operatorKeyHash: sha256Hex(OPERATOR_KEY), webhookTargets: publicWebhookTargets(clock), ...options });
  const app = createHttpApp({ logger, readiness: [], routers: [{ path: API_PREFIX, router }] });
  return {
    app,
    store,
    clock,
    engine,
    scheduled,
    async account(balance = 0) {
      const account = await accountWithBalance(store, balance, { country: 'US', timeZone: 'Europe/Berlin', creditLimitMinor: minorUnits(0) });
      const { plainKey } = await store.apiKeys.create({ accountId: account.id, label: 'test' });
      return { account, key: plainKey };
    },
  };
}
